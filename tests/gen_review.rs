//! `gen --format markdown|json`: the review a pull request's pipeline posts as is, data that
//! would be lost first.

mod common;

use common::Test;

#[test]
fn the_markdown_review_puts_lost_data_first() {
    let test = Test::with_shipped_environments();
    test.run_args(&["gen", "--all"]).status(0);
    for env in ["dev", "prod"] {
        let path = format!("environments/{env}.toml");
        test.write(&path, &test.read(&path).replace("project = \"acme\"", "project = \"acme2\""));
    }
    let output = test.run_args(&["gen", "--all", "--check", "--format", "markdown"]).status(1);
    let text = &output.stdout;
    assert!(text.starts_with("### Generated Terraform\n\n> [!CAUTION]\n"), "{text}");
    let caution = text.find("> - `prod`: REPLACES module.rds.aws_db_instance.this").expect("prod's database named");
    let table = text.find("| root | modules | added | changed | removed |").expect("the table");
    assert!(caution < table, "{text}");
    assert!(!text.contains("@@"), "no unified diff in the report: {text}");
    // The verdict and the summary stay on standard error.
    assert!(output.stderr.contains("error: generated is stale"), "{}", output.stderr);
}

#[test]
fn a_preset_switch_as_markdown_and_json() {
    let test = Test::with_shipped_environments();
    test.run_args(&["gen", "--all"]).status(0);
    // `--out` is the older spelling of `--output`.
    let markdown = test
        .run_args(&[
            "gen",
            "--env",
            "dev",
            "--check",
            "--out",
            "generated",
            "--preset",
            "images-cdn",
            "--format",
            "markdown",
        ])
        .status(1)
        .stdout;
    insta::assert_snapshot!("dev_images_cdn_markdown", markdown);

    let json = test
        .run_args(&["gen", "--env", "dev", "--check", "--preset", "images-cdn", "--format", "json"])
        .status(1)
        .stdout;
    let roots: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(roots[0]["root"], "dev");
    assert_eq!(roots[0]["modules_added"][0], "images");
    assert!(roots[0]["resources_added"].as_array().expect("array").len() > 5);

    // Up to date: the report says nothing changes, exit 0.
    let same = test.run_args(&["gen", "--all", "--check", "--format", "markdown"]).status(0).stdout;
    assert!(same.contains("No module or resource appears, disappears or changes."), "{same}");
    // Writing: the report replaces the summary.
    let written = test
        .run_args(&["gen", "--env", "dev", "--preset", "images-cdn", "--output", "generated", "--format", "markdown"])
        .status(0)
        .stdout;
    assert!(written.contains("| `dev` | +images |"), "{written}");
}
