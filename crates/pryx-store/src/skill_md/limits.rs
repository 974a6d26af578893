//! Bounds checked on a front matter before it reaches the YAML parser, whose time grows with
//! the square of the nesting depth (100,000 nested `[` kept a core busy for minutes).

/// The largest front matter read, in bytes. Real ones are a few hundred bytes.
pub const MAX_FRONT_MATTER_BYTES: usize = 64 * 1024;
/// The deepest nesting of collections accepted in a front matter (flow `[`/`{`, block
/// indentation and `- ` entries together). Real ones nest three or four levels.
pub const MAX_NESTING: usize = 64;

/// Checks `yaml` against [`MAX_FRONT_MATTER_BYTES`] and [`MAX_NESTING`]; the error says which
/// bound it broke. Linear in the text, never fooled into under-counting by quotes or comments
/// (a quote counts only where YAML lets a quoted scalar start).
pub fn check_yaml_bounds(yaml: &str) -> Result<(), String> {
    let depth = max_nesting(yaml);
    if depth > MAX_NESTING {
        return Err(format!(
            "nests deeper than {MAX_NESTING} levels (at least {depth})"
        ));
    }
    if yaml.len() > MAX_FRONT_MATTER_BYTES {
        return Err(format!(
            "is larger than {} KiB",
            MAX_FRONT_MATTER_BYTES / 1024
        ));
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq)]
enum Quote {
    None,
    Single,
    Double,
}

/// An upper estimate of the nesting depth of `yaml`: open flow collections plus the block
/// structure (indentation levels and `- ` entries) of the line they sit on. Stops counting
/// once past [`MAX_NESTING`].
fn max_nesting(yaml: &str) -> usize {
    let mut max = 0;
    let mut flow = 0usize;
    let mut quote = Quote::None;
    let mut indents: Vec<usize> = Vec::new();
    for line in yaml.split('\n') {
        let mut block = 0;
        let mut chars = line.chars();
        // A line's block depth counts only outside flow collections and quoted scalars.
        if flow == 0 && quote == Quote::None {
            let indent = line.len() - line.trim_start_matches(' ').len();
            let rest = line[indent..].trim_end_matches('\r');
            if !rest.is_empty() && !rest.starts_with('#') {
                while indents.last().is_some_and(|&top| top >= indent) {
                    indents.pop();
                }
                indents.push(indent);
                let dashes = rest
                    .split(' ')
                    .take_while(|w| *w == "-" || w.is_empty())
                    .filter(|w| *w == "-")
                    .count();
                block = indents.len() + dashes;
            }
        }
        let mut prev_significant: Option<char> = None;
        let mut prev: Option<char> = None;
        while let Some(c) = chars.next() {
            let after_space = prev.is_none_or(char::is_whitespace);
            prev = Some(c);
            match quote {
                Quote::Double => match c {
                    '\\' => {
                        chars.next();
                    }
                    '"' => quote = Quote::None,
                    _ => {}
                },
                Quote::Single => {
                    if c == '\'' {
                        quote = Quote::None;
                    }
                }
                Quote::None => {
                    let at_token_start = matches!(
                        prev_significant,
                        None | Some(':' | '-' | '[' | '{' | ',' | '?' | '!' | '&' | '|' | '>')
                    );
                    match c {
                        '#' if after_space => break,
                        '"' if at_token_start => quote = Quote::Double,
                        '\'' if at_token_start => quote = Quote::Single,
                        '[' | '{' => {
                            flow += 1;
                            max = max.max(block + flow);
                            if max > MAX_NESTING {
                                return max;
                            }
                        }
                        ']' | '}' => flow = flow.saturating_sub(1),
                        _ => {}
                    }
                    if !c.is_whitespace() {
                        prev_significant = Some(c);
                    }
                }
            }
        }
        max = max.max(block + flow);
        if max > MAX_NESTING {
            return max;
        }
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_front_matter_is_shallow() {
        let yaml = "name: deploy\ndescription: 'Ships [code]. # not a comment'\nmetadata:\n  pryx:\n    requires:\n      bins: [git, ssh]\n    install:\n      - {id: brew, kind: [a, {b: c}]}\n";
        assert!(max_nesting(yaml) <= 10, "{}", max_nesting(yaml));
        assert!(check_yaml_bounds(yaml).is_ok());
    }

    #[test]
    fn deep_flow_block_and_dash_nesting_are_caught() {
        let flow = format!("name: x\nmetadata: {}\n", "[".repeat(100_000));
        assert!(
            check_yaml_bounds(&flow)
                .unwrap_err()
                .contains("nests deeper")
        );
        let mixed = format!("a: {}\n", "[{".repeat(40));
        assert!(check_yaml_bounds(&mixed).is_err());
        let dashes = format!("a:\n{}x\n", "- ".repeat(80));
        assert!(check_yaml_bounds(&dashes).is_err());
        let mut block = String::new();
        for i in 0..70 {
            block.push_str(&format!("{}k{i}:\n", " ".repeat(i)));
        }
        assert!(check_yaml_bounds(&block).is_err());
    }

    #[test]
    fn quotes_and_comments_hide_nothing_yaml_would_parse() {
        // A quote inside a plain scalar does not start a quoted scalar in YAML.
        let sneaky = format!("a: don't\nb: {}\n", "[".repeat(100));
        assert!(check_yaml_bounds(&sneaky).is_err());
        // Brackets in real quoted text or comments are not nesting.
        let quoted = format!(
            "a: '{}'\nb: \"{}\" # {}\n",
            "[".repeat(100),
            "{".repeat(100),
            "[".repeat(100)
        );
        assert!(check_yaml_bounds(&quoted).is_ok());
    }

    #[test]
    fn the_size_is_capped() {
        let big = format!("name: x\nd: '{}'\n", "a".repeat(MAX_FRONT_MATTER_BYTES));
        assert!(check_yaml_bounds(&big).unwrap_err().contains("larger than"));
    }
}
