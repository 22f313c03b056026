//! The examples at the end of each subcommand's `--help`. Every `lbb ...` line here is
//! parsed by a test, so an example cannot drift from the flags it shows.

pub(crate) const LIST: &str = "\
Examples:
  # Every member of an ELB pool, as a table
  lbb list huawei-elb:3f1c0d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f
  # The addresses of the unhealthy ones
  lbb list huawei-elb:3f1c0d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f --query \"[?health=='unhealthy'].address\"
  # A CLB load balancer as JSON lines, printed only if the whole listing succeeds
  lbb list tencent-clb:lb-8a2ejnd1 -o ndjson --atomic";

pub(crate) const GET: &str = "\
Examples:
  lbb get huawei-elb:3f1c0d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f 9d3e8b2a-1c4f-4e5a-8b6c-7d8e9f0a1b2c --instance";

pub(crate) const ADD: &str = "\
Examples:
  # Register 10.0.0.7:8080 at weight 10 and wait until it is healthy
  lbb add huawei-elb:3f1c0d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f --address 10.0.0.7 --port 8080 --weight 10 --subnet 5a6b7c8d-1e2f-4a3b-8c4d-5e6f7a8b9c0d --wait
  # Register a CVM by instance id on a CLB listener
  lbb add tencent-clb:lb-8a2ejnd1/lbl-4kd9s0qe --instance ins-0a1b2c3d --port 80 --weight 10
  # A standby member of an APIG VPC channel, in its member group \"blue\"
  lbb add huawei-apig:a9160000000040008000000000000001/c4a00000000040008000000000000001 --address 192.168.0.9 --port 8080 --backup --group blue
  # Many at once, from a CSV file (ADDRESS,PORT[,WEIGHT])
  lbb add huawei-elb:3f1c0d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f --from new-backends.csv --subnet 5a6b7c8d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";

pub(crate) const SET: &str = "\
Examples:
  lbb set huawei-elb:3f1c0d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f 9d3e8b2a-1c4f-4e5a-8b6c-7d8e9f0a1b2c --weight 50
  lbb set huawei-apig:a9160000000040008000000000000001/c4a00000000040008000000000000001 m-01 --admin-up false";

pub(crate) const REMOVE: &str = "\
Examples:
  lbb remove huawei-elb:3f1c0d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f 9d3e8b2a-1c4f-4e5a-8b6c-7d8e9f0a1b2c --if-exists
  # One server, wherever it is registered: see first, then do it
  lbb remove --address 10.0.0.7:8080 --everywhere --dry-run
  lbb remove --address 10.0.0.7:8080 --everywhere --yes";

pub(crate) const DESCRIBE: &str = "\
Examples:
  lbb describe huawei-elb:3f1c0d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f -o json";

pub(crate) const DIAGNOSE: &str = "\
Examples:
  lbb diagnose huawei-elb:3f1c0d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f 9d3e8b2a-1c4f-4e5a-8b6c-7d8e9f0a1b2c --wait 2m";

pub(crate) const INVENTORY: &str = "\
Examples:
  lbb inventory fleet.toml -o ndjson
  # Every target of every provider in this build, at most 20 ELB calls a second
  lbb inventory --discover --rate huawei-elb=20";

pub(crate) const TARGETS: &str = "\
Examples:
  lbb targets huawei-elb tencent-clb
  # A fleet file for `lbb inventory`
  lbb targets -o fleet";

pub(crate) const FIND: &str = "\
Examples:
  lbb find 10.0.0.7:8080
  lbb find ins-0a1b2c3d --provider tencent-clb";

pub(crate) const WAIT: &str = "\
Examples:
  lbb wait huawei-elb:3f1c0d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f 10.0.0.7:8080 --for healthy --timeout 5m
  lbb wait tencent-clb:lb-8a2ejnd1 ins-0a1b2c3d --for absent";

pub(crate) const DRAIN: &str = "\
Examples:
  # Weight 0, the target's drain timeout, then remove
  lbb drain huawei-elb:3f1c0d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f 10.0.0.7:8080
  # Weight 0 for 30 s, and keep it registered
  lbb drain huawei-elb:3f1c0d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f 10.0.0.7:8080 --grace 30s --keep
  # One server everywhere it is registered
  lbb drain --address 10.0.0.7 --dry-run";

pub(crate) const UNDRAIN: &str = "\
Examples:
  lbb undrain huawei-elb:3f1c0d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f 10.0.0.7:8080 --weight 10";

pub(crate) const PLAN: &str = "\
Examples:
  lbb plan desired.toml
  # Start a desired-state file from what is there now
  lbb plan --from-current huawei-elb:3f1c0d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f -o json";

pub(crate) const APPLY: &str = "\
Examples:
  lbb apply desired.toml --wait
  # Also remove what the file does not name, at most 5 backends
  lbb apply desired.toml --prune --max-remove 5 --yes";

// The examples name targets of every provider.
#[cfg(all(
    test,
    feature = "huawei-elb",
    feature = "huawei-apig",
    feature = "tencent-clb",
    feature = "tencent-bmlb"
))]
mod tests {
    use clap::{CommandFactory, Parser};

    use crate::cli::Cli;

    /// `line` split as a POSIX shell would split these examples (quotes, no escapes).
    fn words(line: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut word: Option<String> = None;
        let mut quote = None;
        for c in line.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), c) => word.get_or_insert_with(String::new).push(c),
                (None, '\'' | '"') => {
                    quote = Some(c);
                    word.get_or_insert_with(String::new);
                }
                (None, c) if c.is_whitespace() => out.extend(word.take()),
                (None, c) => word.get_or_insert_with(String::new).push(c),
            }
        }
        assert!(quote.is_none(), "unclosed quote in {line:?}");
        out.extend(word);
        out
    }

    #[test]
    fn every_example_parses_and_every_subcommand_has_one() {
        let mut cli = Cli::command();
        cli.build();
        let mut seen = 0;
        for sub in cli.get_subcommands() {
            let name = sub.get_name();
            if matches!(name, "help" | "completions") {
                continue;
            }
            let help = sub.clone().render_long_help().to_string();
            let examples: Vec<&str> = help
                .lines()
                .map(str::trim)
                .filter(|l| l.starts_with("lbb "))
                .collect();
            assert!(!examples.is_empty(), "`lbb {name} --help` shows no example");
            for example in examples {
                let args = words(example);
                assert_eq!(args[1], name, "{example:?} is not an example of `{name}`");
                if let Err(e) = Cli::try_parse_from(&args) {
                    panic!("{example:?} does not parse:\n{e}");
                }
                seen += 1;
            }
        }
        assert!(seen >= 20, "{seen} examples");
    }

    #[test]
    fn words_split_as_a_shell_does() {
        assert_eq!(
            words(r#"lbb list t --query "[?a=='b'].c" -o 'x y'"#),
            ["lbb", "list", "t", "--query", "[?a=='b'].c", "-o", "x y"]
        );
    }
}
