use super::*;

fn load(text: &str, overrides: &Overrides) -> Result<LoadedEnvironment, Diagnostics> {
    load_environment("dev", SourceFile::new("environments/dev.toml", text), overrides)
}

fn messages(result: Result<LoadedEnvironment, Diagnostics>) -> Vec<String> {
    match result {
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics.0.iter().map(|d| d.message.clone()).collect(),
    }
}

#[test]
fn an_empty_file_gives_the_built_in_defaults_which_are_the_default_tier() {
    let env = load("", &Overrides::default()).expect("empty file loads");
    assert_eq!(env.settings, Settings::default());
    assert_eq!(env.settings.tier, Tier::Medium);
    assert_eq!(env.provenance.origin(&FieldPath::parse_dotted("network.nat")), Origin::Tier(Tier::Medium));
    assert_eq!(env.provenance.origin(&FieldPath::parse_dotted("region")), Origin::Default);
}

#[test]
fn the_small_tier_sizes_down() {
    let env = load("tier = \"small\"\n", &Overrides::default()).expect("loads");
    assert_eq!(env.settings.network.nat, NatMode::Single);
    assert_eq!((env.settings.service.min_count, env.settings.service.max_count), (1, 2));
    assert_eq!(env.settings.database.instance_class, "db.t4g.micro");
}

#[test]
fn layers_apply_in_order_defaults_tier_presets_file_flags() {
    let text = "tier = \"small\"\npresets = [\"no-nat\"]\n[network]\nvpc_cidr = \"10.1.0.0/16\"\n";
    let env = load(text, &Overrides::default()).expect("loads");
    assert_eq!(env.settings.tier, Tier::Small);
    // The preset sits above the tier.
    assert_eq!(env.settings.network.nat, NatMode::None);
    assert_eq!(env.provenance.origin(&FieldPath::parse_dotted("network.nat")), Origin::Preset("no-nat".into()));

    let flags = Overrides { set: vec!["network.vpc_cidr=10.2.0.0/16".into()], ..Overrides::default() };
    let env = load(text, &flags).expect("loads");
    assert_eq!(env.settings.network.vpc_cidr, "10.2.0.0/16");
    assert_eq!(
        env.provenance.origin(&FieldPath::parse_dotted("network.vpc_cidr")),
        Origin::Flag("--set network.vpc_cidr=10.2.0.0/16".into())
    );
}

#[test]
fn the_file_wins_over_a_preset_with_a_warning() {
    let text = "presets = [\"no-nat\"]\n[network]\nnat = \"per_az\"\n";
    let env = load(text, &Overrides::default()).expect("loads");
    assert_eq!(env.settings.network.nat, NatMode::PerAz);
    assert_eq!(env.warnings.len(), 1);
    assert_eq!(
        env.warnings[0].message,
        "preset `no-nat` sets `network.nat`, but environments/dev.toml sets `network.nat` too, and the file wins"
    );
    assert_eq!(env.warnings[0].location.as_ref().map(|l| l.line), Some(3));
}

#[test]
fn presets_switch_per_run() {
    let text = "presets = [\"no-nat\"]\n";
    let off = Overrides { disable_presets: vec!["no-nat".into()], ..Overrides::default() };
    let env = load(text, &off).expect("loads");
    assert!(env.settings.presets.is_empty());
    assert_eq!(env.settings.network.nat, NatMode::PerAz);
    assert_eq!(
        env.provenance.origin(&FieldPath::parse_dotted("presets")),
        Origin::Flag("--without-preset no-nat".into())
    );

    let on = Overrides { enable_presets: vec!["no-nat".into()], ..Overrides::default() };
    let env = load("", &on).expect("loads");
    assert_eq!(env.settings.presets, ["no-nat"]);
    assert_eq!(env.settings.network.nat, NatMode::None);

    let env = load("", &off).expect("loads");
    assert_eq!(
        env.warnings.iter().map(|w| w.message.as_str()).collect::<Vec<_>>(),
        ["--without-preset no-nat changes nothing: environments/dev.toml does not use preset `no-nat`"]
    );
}

#[test]
fn unknown_presets_are_errors_with_did_you_mean() {
    let result = load("presets = [\"no-nta\"]\n", &Overrides::default());
    let Err(diagnostics) = result else { panic!("expected an error") };
    let d = &diagnostics.0[0];
    assert_eq!(d.message, "unknown preset `no-nta`");
    assert_eq!(d.help.as_deref(), Some("did you mean `no-nat`?"));
    assert_eq!(d.location.as_ref().map(|l| (l.line, l.column)), Some((1, 12)));

    let flags = Overrides { enable_presets: vec!["cheap".into()], ..Overrides::default() };
    assert_eq!(messages(load("", &flags)), ["unknown preset `cheap`"]);
    assert_eq!(
        messages(load("presets = [\"no-nat\", \"no-nat\"]", &Overrides::default())),
        ["preset `no-nat` is listed twice in `presets`"]
    );
}

#[test]
fn syntax_errors_are_located() {
    let Err(diagnostics) = load("project = \"x\"\nregion = \n", &Overrides::default()) else {
        panic!("expected a syntax error");
    };
    let d = &diagnostics.0[0];
    assert!(d.message.starts_with("invalid TOML: "), "{}", d.message);
    assert_eq!(d.location.as_ref().map(|l| l.line), Some(2));
}

#[test]
fn every_structural_problem_is_reported_at_once() {
    let text = "projekt = \"x\"\n[network]\nnat = 3\nazs = \"ap-northeast-1a\"\n[dns]\nzones = \"x\"\n";
    assert_eq!(
        messages(load(text, &Overrides::default())),
        [
            "unknown key `projekt`",
            "`network.nat` must be a string, found an integer",
            "`network.azs` must be an array, found a string",
            "unknown key `zones` in `dns`",
        ]
    );
}

#[test]
fn set_flags_take_toml_or_bare_strings_and_are_checked() {
    let flags = Overrides {
        set: vec!["network.azs=[\"ap-northeast-1a\", \"ap-northeast-1d\"]".into(), "region = ap-northeast-1".into()],
        ..Overrides::default()
    };
    let env = load("", &flags).expect("loads");
    assert_eq!(env.settings.network.azs, ["ap-northeast-1a", "ap-northeast-1d"]);

    // A value that parses as another TOML type is taken as a string where a string is due.
    let flags = Overrides { set: vec!["database.engine_version=17".into()], ..Overrides::default() };
    assert_eq!(load("", &flags).expect("loads").settings.database.engine_version, "17");

    let flags = Overrides { set: vec!["network.nta=none".into(), "novalue".into()], ..Overrides::default() };
    assert_eq!(
        messages(load("", &flags)),
        ["unknown key `nta` in `network`", "`--set novalue` is not of the form FIELD=VALUE",]
    );
}

#[test]
fn notes_say_where_a_value_came_from() {
    let env = load("presets = [\"no-nat\"]\n", &Overrides::default()).expect("loads");
    let diagnostic = env.error_at(&FieldPath::parse_dotted("network.nat"), "x");
    assert_eq!(diagnostic.location, None);
    assert_eq!(
        diagnostic.notes,
        [
            "`network.nat` comes from preset `no-nat`, listed in `presets` at environments/dev.toml:1; remove it there or switch it off with --without-preset no-nat"
        ]
    );
    let diagnostic = env.error_at(&FieldPath::parse_dotted("presets").index(0), "x");
    assert_eq!(diagnostic.location.map(|l| (l.line, l.column)), Some((1, 12)));
}
