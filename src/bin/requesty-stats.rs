//! `requesty-stats`: summarises a request log (a JSONL file, or a folder of
//! them) as a table, JSON or a self-contained HTML page.
//!
//! ```text
//! requesty-stats <log.jsonl | dir> [--json | --html FILE]
//! ```
//!
//! Exit codes: 0 on success, 1 when the log cannot be read or the page
//! cannot be written, 2 on bad arguments.

use std::path::PathBuf;
use std::process::ExitCode;

use requesty::router::log::analytics::Analytics;

const USAGE: &str = "\
usage: requesty-stats <log.jsonl | dir> [--json | --html FILE]

Summarises a requesty request log: a JSONL file, or a folder whose *.jsonl
files (daily and rotated) are read in order.

  (default)     print aligned tables: overall, by model, by provider, tags
  --json        print the report as JSON
  --html FILE   write a self-contained HTML page with charts to FILE and
                print its path
  -h, --help    show this help

Malformed lines are skipped; their count is reported on stderr.";

/// What to print.
#[derive(Debug, PartialEq)]
enum Output {
    Table,
    Json,
    Html(PathBuf),
}

/// Parsed arguments.
#[derive(Debug, PartialEq)]
enum Command {
    Help,
    Run { input: PathBuf, output: Output },
}

/// Parses the arguments after the program name.
fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut input: Option<PathBuf> = None;
    let mut output: Option<Output> = None;
    fn set_output(o: Output, output: &mut Option<Output>) -> Result<(), String> {
        if output.is_some() {
            return Err("give at most one of --json and --html".to_owned());
        }
        *output = Some(o);
        Ok(())
    }
    let mut args = args.into_iter();
    let mut only_paths = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" if !only_paths => return Ok(Command::Help),
            "--json" if !only_paths => set_output(Output::Json, &mut output)?,
            "--html" if !only_paths => {
                let file = args
                    .next()
                    .filter(|f| !f.is_empty())
                    .ok_or_else(|| "--html needs a FILE".to_owned())?;
                set_output(Output::Html(file.into()), &mut output)?;
            }
            "--" if !only_paths => only_paths = true,
            a if !only_paths && a.starts_with("--html=") => {
                let file = &a["--html=".len()..];
                if file.is_empty() {
                    return Err("--html needs a FILE".to_owned());
                }
                set_output(Output::Html(file.into()), &mut output)?;
            }
            a if !only_paths && a.starts_with('-') && a.len() > 1 => {
                return Err(format!("unknown option `{a}`"));
            }
            a => {
                if input.is_some() {
                    return Err(format!(
                        "unexpected argument `{a}`: give one log file or folder"
                    ));
                }
                input = Some(a.into());
            }
        }
    }
    let input = input.ok_or_else(|| "missing the log file or folder".to_owned())?;
    Ok(Command::Run {
        input,
        output: output.unwrap_or(Output::Table),
    })
}

fn main() -> ExitCode {
    let (input, output) = match parse(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Run { input, output }) => (input, output),
        Err(msg) => {
            eprintln!("requesty-stats: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let (analytics, skipped) = match Analytics::from_jsonl_path(&input) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("requesty-stats: {e}");
            return ExitCode::from(1);
        }
    };
    if skipped > 0 {
        eprintln!(
            "requesty-stats: skipped {skipped} malformed line{} in {}",
            if skipped == 1 { "" } else { "s" },
            input.display()
        );
    }
    let report = analytics.report();
    match output {
        Output::Table => print!("{}", report.to_table()),
        Output::Json => println!("{}", report.to_json()),
        Output::Html(file) => {
            if let Err(e) = std::fs::write(&file, report.to_html()) {
                eprintln!("requesty-stats: cannot write `{}`: {e}", file.display());
                return ExitCode::from(1);
            }
            println!("{}", file.display());
        }
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().map(|s| (*s).to_owned()))
    }

    fn run(input: &str, output: Output) -> Result<Command, String> {
        Ok(Command::Run {
            input: input.into(),
            output,
        })
    }

    #[test]
    fn parses_arguments() {
        assert_eq!(p(&["log.jsonl"]), run("log.jsonl", Output::Table));
        assert_eq!(p(&["--json", "dir"]), run("dir", Output::Json));
        assert_eq!(
            p(&["dir", "--html", "out.html"]),
            run("dir", Output::Html("out.html".into()))
        );
        assert_eq!(
            p(&["--html=o.html", "dir"]),
            run("dir", Output::Html("o.html".into()))
        );
        assert_eq!(p(&["--", "-odd.jsonl"]), run("-odd.jsonl", Output::Table));
        assert_eq!(p(&["-h"]), Ok(Command::Help));
        assert!(p(&[]).is_err());
        assert!(p(&["a", "b"]).is_err());
        assert!(p(&["a", "--json", "--html", "x"]).is_err());
        assert!(p(&["a", "--html"]).is_err());
        assert!(p(&["a", "--csv"]).is_err());
    }
}
