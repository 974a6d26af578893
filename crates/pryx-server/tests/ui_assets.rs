//! The embedded UI over a real socket: the real build in `local-web/dist`, its precompressed
//! copies chosen by `Accept-Encoding`, cache rules per kind of file, validators per encoding.

mod common;

use std::path::Path;

use common::{TestHost, error_code};

fn dist(path: &str) -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../local-web/dist");
    std::fs::read(root.join(path)).unwrap_or_else(|e| panic!("local-web/dist/{path}: {e}"))
}

/// The script index.html loads (its name carries the content hash).
fn entry_script() -> String {
    let html = String::from_utf8(dist("index.html")).unwrap();
    let start = html
        .find("src=\"/assets/")
        .expect("index.html loads a script")
        + 5;
    let end = start + html[start..].find('"').unwrap();
    html[start..end].to_owned()
}

async fn get(h: &TestHost, path: &str, accept_encoding: Option<&str>) -> reqwest::Response {
    let mut req = h.client.get(h.url(path));
    if let Some(value) = accept_encoding {
        req = req.header("accept-encoding", value);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn each_encoding_gets_its_precompressed_copy_and_its_own_validator() {
    let h = TestHost::start().await;
    let script = entry_script();
    let relative = script.trim_start_matches('/');
    let mut etags = Vec::new();
    for (accept, encoding, suffix) in [
        (Some("gzip, deflate, br"), Some("br"), ".br"),
        (Some("gzip"), Some("gzip"), ".gz"),
        (None, None, ""),
        (Some("br;q=0, identity"), None, ""),
    ] {
        let res = get(&h, &script, accept).await;
        assert_eq!(res.status(), 200, "{accept:?}");
        assert_eq!(
            res.headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap()),
            encoding,
            "{accept:?}"
        );
        assert_eq!(res.headers()["vary"], "accept-encoding");
        assert_eq!(
            res.headers()["content-type"],
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            res.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        etags.push(res.headers()["etag"].to_str().unwrap().to_owned());
        let body = res.bytes().await.unwrap();
        assert_eq!(
            body.as_ref(),
            dist(&format!("{relative}{suffix}")),
            "{accept:?}"
        );
    }
    assert_eq!(etags[2], etags[3], "the plain bytes have one validator");
    assert!(
        etags[0] != etags[1] && etags[1] != etags[2] && etags[0] != etags[2],
        "{etags:?}"
    );
    // A cached brotli copy is revalidated as that copy; the tag of another encoding is not it.
    let again = h
        .client
        .get(h.url(&script))
        .header("accept-encoding", "br")
        .header("if-none-match", &etags[0])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let other = h
        .client
        .get(h.url(&script))
        .header("accept-encoding", "br")
        .header("if-none-match", &etags[1])
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
}

#[tokio::test]
async fn index_html_and_spa_routes_are_no_cache_and_compressed_copies_are_not_files() {
    let h = TestHost::start().await;
    for path in ["/", "/config", "/deep/route"] {
        let res = get(&h, path, Some("br")).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["cache-control"], "no-cache");
        assert_eq!(res.headers()["content-encoding"], "br");
        assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
        assert_eq!(res.bytes().await.unwrap().as_ref(), dist("index.html.br"));
    }
    let script = entry_script();
    for path in [
        format!("{script}.br"),
        format!("{script}.gz"),
        "/index.html.gz".into(),
    ] {
        assert_eq!(
            error_code(get(&h, &path, None).await, 404).await,
            "not_found",
            "{path}"
        );
    }
}
