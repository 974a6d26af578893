//! Content negotiation for the precompressed UI files: which of brotli, gzip or the plain
//! bytes a request's `Accept-Encoding` lets us send.

/// An encoding the UI files are stored in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `br`: the smallest; every current browser accepts it.
    Brotli,
    /// `gzip`: for clients without brotli.
    Gzip,
    /// The plain bytes: always acceptable as the last resort.
    Identity,
}

impl Encoding {
    /// The `Content-Encoding` value, or `None` for the plain bytes.
    pub fn header_value(self) -> Option<&'static str> {
        match self {
            Encoding::Brotli => Some("br"),
            Encoding::Gzip => Some("gzip"),
            Encoding::Identity => None,
        }
    }

    /// The suffix of the stored file (`.br`, `.gz`) and of its `ETag`.
    pub fn suffix(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gz",
            Encoding::Identity => "",
        }
    }
}

/// The q-value `accept_encoding` gives `coding` (`*` counts for codings not named; absent = 0).
fn quality(accept_encoding: &str, coding: &str) -> f32 {
    let mut wildcard = None;
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let q = parts
            .find_map(|p| {
                let (key, value) = p.split_once('=')?;
                (key.trim().eq_ignore_ascii_case("q")).then(|| value.trim().parse::<f32>().ok())?
            })
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case(coding)
            || (coding == "gzip" && name.eq_ignore_ascii_case("x-gzip"))
        {
            return q;
        }
        if name == "*" {
            wildcard = Some(q);
        }
    }
    wildcard.unwrap_or(0.0)
}

/// The best encoding among those `available` that `accept_encoding` accepts: brotli over gzip
/// at equal preference, a higher q-value first, the plain bytes when nothing else is wanted.
pub fn choose(accept_encoding: Option<&str>, available: &[Encoding]) -> Encoding {
    let Some(header) = accept_encoding else {
        return Encoding::Identity;
    };
    let mut best = (0.0_f32, Encoding::Identity);
    for &encoding in available {
        let Some(name) = encoding.header_value() else {
            continue;
        };
        let q = quality(header, name);
        if q > best.0 {
            best = (q, encoding);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: &[Encoding] = &[Encoding::Brotli, Encoding::Gzip];

    #[test]
    fn brotli_is_preferred_when_a_browser_accepts_both() {
        assert_eq!(
            choose(Some("gzip, deflate, br, zstd"), BOTH),
            Encoding::Brotli
        );
    }

    #[test]
    fn gzip_is_sent_without_brotli_and_plain_bytes_without_either() {
        assert_eq!(choose(Some("gzip, deflate"), BOTH), Encoding::Gzip);
        assert_eq!(choose(Some("x-gzip"), BOTH), Encoding::Gzip);
        assert_eq!(choose(Some("deflate"), BOTH), Encoding::Identity);
        assert_eq!(choose(None, BOTH), Encoding::Identity);
        assert_eq!(choose(Some(""), BOTH), Encoding::Identity);
    }

    #[test]
    fn q_values_are_honoured_and_zero_refuses() {
        assert_eq!(choose(Some("br;q=0, gzip"), BOTH), Encoding::Gzip);
        assert_eq!(choose(Some("br;q=0.5, gzip;q=0.8"), BOTH), Encoding::Gzip);
        assert_eq!(choose(Some("br;q=0, gzip;q=0"), BOTH), Encoding::Identity);
        assert_eq!(choose(Some("*"), BOTH), Encoding::Brotli);
        assert_eq!(choose(Some("*;q=0"), BOTH), Encoding::Identity);
        assert_eq!(choose(Some("BR;Q=1"), BOTH), Encoding::Brotli);
    }

    #[test]
    fn only_stored_encodings_are_chosen() {
        assert_eq!(choose(Some("br, gzip"), &[Encoding::Gzip]), Encoding::Gzip);
        assert_eq!(choose(Some("br"), &[]), Encoding::Identity);
    }
}
