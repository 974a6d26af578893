//! JSON Merge Patch (RFC 7396) over [`Value`]s: a map merges key by key, `null` deletes,
//! anything else replaces.

use crate::value::Value;

/// Applies `patch` to `target` as RFC 7396 describes.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Map(patch_map) = patch else {
        *target = patch.clone();
        return;
    };
    if !matches!(target, Value::Map(_)) {
        *target = Value::Map(Default::default());
    }
    let Value::Map(target_map) = target else {
        unreachable!("target was just made a map")
    };
    for (key, value) in patch_map {
        if matches!(value, Value::Null) {
            target_map.shift_remove(key);
        } else {
            merge_patch(target_map.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(json: &str) -> Value {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn rfc7396_examples() {
        let cases = [
            (r#"{"a":"b"}"#, r#"{"a":"c"}"#, r#"{"a":"c"}"#),
            (r#"{"a":"b"}"#, r#"{"b":"c"}"#, r#"{"a":"b","b":"c"}"#),
            (r#"{"a":"b"}"#, r#"{"a":null}"#, r#"{}"#),
            (r#"{"a":"b","b":"c"}"#, r#"{"a":null}"#, r#"{"b":"c"}"#),
            (r#"{"a":["b"]}"#, r#"{"a":"c"}"#, r#"{"a":"c"}"#),
            (r#"{"a":"c"}"#, r#"{"a":["b"]}"#, r#"{"a":["b"]}"#),
            (
                r#"{"a":{"b":"c"}}"#,
                r#"{"a":{"b":"d","c":null}}"#,
                r#"{"a":{"b":"d"}}"#,
            ),
            (r#"{"a":[{"b":"c"}]}"#, r#"{"a":[1]}"#, r#"{"a":[1]}"#),
            (r#"{"e":null}"#, r#"{"a":1}"#, r#"{"e":null,"a":1}"#),
            (r#"[1,2]"#, r#"{"a":"b","c":null}"#, r#"{"a":"b"}"#),
            (
                r#"{}"#,
                r#"{"a":{"bb":{"ccc":null}}}"#,
                r#"{"a":{"bb":{}}}"#,
            ),
        ];
        for (target, patch, expected) in cases {
            let mut t = v(target);
            merge_patch(&mut t, &v(patch));
            assert_eq!(t, v(expected), "{target} + {patch}");
        }
    }
}
