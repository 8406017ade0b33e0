//! The model-level merge points for what the model does not have, on the rendered roots.

use std::path::Path;

#[test]
fn extra_alb_ingress_cidrs_open_https_besides_cloudfront() {
    use infragen::config::Overrides;
    let workspace = infragen::workspace::Workspace::new(&Path::new(env!("CARGO_MANIFEST_DIR")).join("environments"));
    let overrides = Overrides {
        set: vec!["cdn.api=true".into(), "alb.extra_ingress_cidrs=[\"203.0.113.0/24\"]".into()],
        ..Overrides::default()
    };
    let arch = workspace.load("dev", &overrides).expect("loads").architecture;
    let root = infragen::render::Renderer::new().expect("templates").environment(&arch).expect("renders");
    let groups = hcl::parse(&root.files()["dev/modules/network/security-groups.tf"]).expect("parses");
    let rule = groups
        .blocks()
        .find(|b| b.identifier() == "resource" && b.labels().iter().any(|l| l.as_str() == "alb_https_extra"))
        .expect("a rule per CIDR");
    let attribute = |key: &str| {
        hcl::format::to_string(rule.body().attributes().find(|a| a.key() == key).expect(key).expr()).unwrap()
    };
    assert_eq!(attribute("cidr_ipv4"), "each.value");
    assert_eq!(attribute("from_port"), "443");
    let main = &root.files()["dev/main.tf"];
    assert!(main.contains("alb_extra_ingress_cidrs = [\"203.0.113.0/24\"]"), "{main}");
}
