//! The service definitions `pryx service install` writes — a systemd user unit and a launchd
//! agent — and a reader of the unit's rules for `service status` and the tests.

use std::path::PathBuf;

/// The systemd unit's name.
pub const SYSTEMD_UNIT: &str = "pryx-host.service";
/// The launchd agent's label.
pub const LAUNCHD_LABEL: &str = "dev.pryx.host";

/// What the service runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSpec {
    /// The `pryx-core` executable (absolute).
    pub core: PathBuf,
    /// The data directory (absolute).
    pub data_dir: PathBuf,
    /// `--port`, when not the default.
    pub port: Option<u16>,
    /// `--runtime`, when one is configured.
    pub runtime: Option<PathBuf>,
    /// `--runtime-arg`s.
    pub runtime_args: Vec<String>,
}

impl ServiceSpec {
    /// The command line: program first.
    pub fn argv(&self) -> Vec<String> {
        let mut argv = vec![
            self.core.display().to_string(),
            "--data-dir".into(),
            self.data_dir.display().to_string(),
        ];
        if let Some(port) = self.port {
            argv.extend(["--port".into(), port.to_string()]);
        }
        if let Some(runtime) = &self.runtime {
            argv.extend(["--runtime".into(), runtime.display().to_string()]);
        }
        argv.extend(
            self.runtime_args
                .iter()
                .map(|a| format!("--runtime-arg={a}")),
        );
        argv
    }
}

/// A systemd user unit running the host. Exit status 2 (a second host on the data dir, or a
/// refused data dir) is not restarted: restarting cannot fix it.
pub fn systemd_unit(spec: &ServiceSpec) -> Result<String, String> {
    let exec = spec
        .argv()
        .iter()
        .map(|a| systemd_quote(a))
        .collect::<Result<Vec<_>, _>>()?
        .join(" ");
    Ok(format!(
        "# Written by `pryx service install`; remove with `pryx service uninstall`.\n\
         [Unit]\n\
         Description=Pryx host ({data_dir})\n\
         Documentation=https://github.com/pryx-co/pryx-host/blob/main/docs/cli.md\n\
         \n\
         [Service]\n\
         Type=simple\n\
         ExecStart={exec}\n\
         Restart=on-failure\n\
         RestartSec=2\n\
         RestartPreventExitStatus=2\n\
         TimeoutStopSec=20\n\
         UMask=0077\n\
         NoNewPrivileges=yes\n\
         \n\
         [Install]\n\
         WantedBy=default.target\n",
        data_dir = escape_specifiers(&spec.data_dir.display().to_string()),
    ))
}

/// One argument in systemd's command-line syntax: quoted when it has to be, `%` and `$`
/// doubled so systemd neither expands specifiers nor variables.
pub fn systemd_quote(arg: &str) -> Result<String, String> {
    if arg.chars().any(|c| c.is_control()) {
        return Err(format!(
            "{arg:?} holds a control character a unit file cannot carry"
        ));
    }
    let escaped = escape_specifiers(arg).replace('$', "$$");
    let plain = !escaped.is_empty()
        && !escaped
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '\\' | ';'));
    if plain {
        return Ok(escaped);
    }
    Ok(format!(
        "\"{}\"",
        escaped.replace('\\', "\\\\").replace('"', "\\\"")
    ))
}

fn escape_specifiers(text: &str) -> String {
    text.replace('%', "%%")
}

/// The arguments of `ExecStart=` in `unit`, unquoted (the inverse of [`systemd_quote`]).
pub fn exec_start(unit: &str) -> Option<Vec<String>> {
    let line = unit
        .lines()
        .find_map(|l| l.trim().strip_prefix("ExecStart="))?;
    let mut args = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else { break };
        let mut arg = String::new();
        if first == '"' {
            chars.next();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => arg.push(chars.next()?),
                    c => arg.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                arg.push(c);
                chars.next();
            }
        }
        args.push(arg.replace("%%", "%").replace("$$", "$"));
    }
    Some(args)
}

/// Checks `unit` against the rules systemd applies to the keys this unit uses: known
/// sections, `Key=value` lines, an absolute executable in `ExecStart`, valid enum values,
/// numbers, and an `[Install]` target. Returns every violation.
pub fn check_unit(unit: &str) -> Result<(), Vec<String>> {
    const KEYS: &[(&str, &[&str])] = &[
        ("Unit", &["Description", "Documentation", "After", "Wants"]),
        (
            "Service",
            &[
                "Type",
                "ExecStart",
                "Restart",
                "RestartSec",
                "RestartPreventExitStatus",
                "TimeoutStopSec",
                "UMask",
                "NoNewPrivileges",
                "Environment",
            ],
        ),
        ("Install", &["WantedBy"]),
    ];
    let mut errors = Vec::new();
    let mut section: Option<&str> = None;
    let mut seen = Vec::new();
    for (n, raw) in unit.lines().enumerate() {
        let line = raw.trim();
        let at = n + 1;
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            if !KEYS.iter().any(|(s, _)| *s == name) {
                errors.push(format!("line {at}: unknown section [{name}]"));
            }
            section = Some(
                KEYS.iter()
                    .find(|(s, _)| *s == name)
                    .map_or("?", |(s, _)| s),
            );
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            errors.push(format!("line {at}: not Key=value: {line}"));
            continue;
        };
        let Some(current) = section else {
            errors.push(format!("line {at}: {key} outside a section"));
            continue;
        };
        let known = KEYS
            .iter()
            .find(|(s, _)| *s == current)
            .is_some_and(|(_, keys)| keys.contains(&key));
        if !known {
            errors.push(format!("line {at}: unknown key {key} in [{current}]"));
        }
        seen.push((current, key));
        let ok = match key {
            "Type" => ["simple", "exec", "notify", "forking", "oneshot"].contains(&value),
            "Restart" => [
                "no",
                "on-success",
                "on-failure",
                "on-abnormal",
                "on-watchdog",
                "on-abort",
                "always",
            ]
            .contains(&value),
            "RestartSec" | "TimeoutStopSec" => value.parse::<u64>().is_ok(),
            "RestartPreventExitStatus" => value.split_whitespace().all(|v| v.parse::<u8>().is_ok()),
            "UMask" => value.len() == 4 && u32::from_str_radix(value, 8).is_ok(),
            "NoNewPrivileges" => ["yes", "no", "true", "false"].contains(&value),
            "WantedBy" => value.ends_with(".target"),
            "ExecStart" => exec_start(raw.trim())
                .is_some_and(|argv| argv.first().is_some_and(|p| p.starts_with('/'))),
            _ => !value.is_empty(),
        };
        if !ok {
            errors.push(format!("line {at}: bad value for {key}: {value}"));
        }
    }
    for (section, key) in [
        ("Service", "ExecStart"),
        ("Install", "WantedBy"),
        ("Unit", "Description"),
    ] {
        if !seen.contains(&(section, key)) {
            errors.push(format!("[{section}] has no {key}"));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A launchd agent running the host at login, restarted when it fails.
pub fn launchd_plist(spec: &ServiceSpec) -> String {
    let args: String = spec
        .argv()
        .iter()
        .map(|a| format!("    <string>{}</string>\n", xml(a)))
        .collect();
    let log = xml(&spec.data_dir.join("host.log").display().to_string());
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
         <plist version=\"1.0\">\n\
         <dict>\n\
         \x20 <key>Label</key>\n  <string>{LAUNCHD_LABEL}</string>\n\
         \x20 <key>ProgramArguments</key>\n  <array>\n{args}  </array>\n\
         \x20 <key>RunAtLoad</key>\n  <true/>\n\
         \x20 <key>KeepAlive</key>\n  <dict>\n    <key>SuccessfulExit</key>\n    <false/>\n  </dict>\n\
         \x20 <key>StandardOutPath</key>\n  <string>{log}</string>\n\
         \x20 <key>StandardErrorPath</key>\n  <string>{log}</string>\n\
         </dict>\n\
         </plist>\n"
    )
}

/// The `ProgramArguments` of a plist written by [`launchd_plist`].
pub fn plist_arguments(plist: &str) -> Option<Vec<String>> {
    let start = plist.find("<key>ProgramArguments</key>")?;
    let rest = &plist[start..];
    let array = &rest[rest.find("<array>")? + 7..rest.find("</array>")?];
    Some(
        array
            .split("<string>")
            .skip(1)
            .filter_map(|s| s.split_once("</string>").map(|(v, _)| unxml(v)))
            .collect(),
    )
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn unxml(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(dir: &str) -> ServiceSpec {
        ServiceSpec {
            core: "/opt/pryx/bin/pryx-core".into(),
            data_dir: dir.into(),
            port: Some(0),
            runtime: Some("/opt/pryx/bin/runtime".into()),
            runtime_args: vec!["--flag=a b".into()],
        }
    }

    #[test]
    fn awkward_paths_survive_the_unit_file_and_the_plist() {
        let spec = spec("/home/a user/100% \"pryx\" $HOME\\x");
        let unit = systemd_unit(&spec).unwrap();
        check_unit(&unit).unwrap();
        assert_eq!(exec_start(&unit).unwrap(), spec.argv());
        assert!(unit.contains("100%% "), "specifiers escaped: {unit}");
        let plist = launchd_plist(&spec);
        assert_eq!(plist_arguments(&plist).unwrap(), spec.argv());
        assert!(systemd_quote("a\nb").is_err());
    }

    #[test]
    fn the_unit_checker_catches_what_systemd_refuses() {
        let bad = "[Unit]\nDescription=x\n[Service]\nExecStart=relative/prog\nRestart=sometimes\nBogus=1\n[Install]\nWantedBy=default\n[Nope]\n";
        let errors = check_unit(bad).unwrap_err();
        for needle in [
            "ExecStart",
            "Restart",
            "unknown key Bogus",
            "WantedBy",
            "unknown section [Nope]",
        ] {
            assert!(
                errors.iter().any(|e| e.contains(needle)),
                "{needle}: {errors:?}"
            );
        }
    }
}
