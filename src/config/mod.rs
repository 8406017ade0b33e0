//! Environment files as written, and the layering that turns one into complete settings.
//!
//! Loading an environment is a pipeline that stops at the first stage with errors, after
//! reporting every error of that stage:
//!
//! 1. parse the TOML (syntax errors, with recovery so that all of them are reported);
//! 2. check its structure against the JSON Schema of [`Settings`] (unknown keys, types);
//! 3. resolve the tier and the preset list, with the command-line overrides;
//! 4. merge the layers (defaults < region < tier < presets < file < flags) into [`Settings`],
//!    remembering the origin of every value.
//!
//! The result is still unvalidated input: `crate::model` turns it into an `Architecture`.

pub mod data;
pub mod edge;
pub mod layers;
pub mod network;
pub mod path;
pub mod presets;
pub mod regions;
pub mod required;
pub mod scale;
pub mod schema_check;
pub mod service;
pub mod settings;
pub mod tiers;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;
use toml::de::DeTable;
use toml::{Spanned, Table, Value};

use crate::diagnostic::{Diagnostic, Diagnostics, Location, SourceFile, did_you_mean};
pub use layers::{Layer, LayerKind, Origin, Provenance};
pub use path::FieldPath;
pub use presets::Preset;
pub use settings::*;

/// The JSON Schema of an environment file, derived from [`Settings`].
pub fn settings_schema() -> &'static serde_json::Value {
    static SCHEMA: OnceLock<serde_json::Value> = OnceLock::new();
    SCHEMA.get_or_init(|| schemars::schema_for!(Settings).to_value())
}

/// Changes to an environment for one run, from the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `--preset NAME`: presets to switch on.
    pub enable_presets: Vec<String>,
    /// `--without-preset NAME`: presets to switch off.
    pub disable_presets: Vec<String>,
    /// `--set FIELD=VALUE`: values above everything else.
    pub set: Vec<String>,
}

/// An environment file, parsed and layered into complete settings; not yet validated.
#[derive(Debug, Clone)]
pub struct LoadedEnvironment {
    /// The environment's name: the file name without `.toml`.
    pub name: String,
    pub source: SourceFile,
    pub settings: Settings,
    pub provenance: Provenance,
    /// Things worth knowing that do not stop the run (a preset shadowed by the file...).
    pub warnings: Vec<Diagnostic>,
    /// Command-line flags as sources, for locating problems in them.
    flags: Vec<SourceFile>,
    /// Where the file lists its presets, when it does.
    presets_location: Option<Location>,
}

impl LoadedEnvironment {
    /// True when a command-line flag set a value (a flag that changes nothing sets none).
    pub fn shaped_by_flags(&self) -> bool {
        self.provenance.iter().any(|(_, origin)| matches!(origin, Origin::Flag(_)))
    }

    /// Where the value at `path` was written, when it was written in the file or a flag.
    pub fn locate(&self, path: &FieldPath) -> Option<Location> {
        match self.provenance.origin(path) {
            Origin::File(span) => Some(self.source.locate(span)),
            Origin::Flag(flag) => self.flags.iter().find(|f| f.name == flag).map(|f| f.locate(0..f.text.len())),
            _ => None,
        }
    }

    /// Says where a value came from when it was not written in the file, and how to change it.
    pub fn origin_notes(&self, path: &FieldPath) -> Vec<String> {
        let file = &self.source.name;
        match self.provenance.origin(path) {
            Origin::Default => vec![format!("`{path}` is the built-in default; set it in {file} to change it")],
            Origin::Region(region) => {
                vec![format!("`{path}` follows from `region` ({region}); set it in {file} to change it")]
            }
            Origin::Tier(tier) => vec![format!(
                "`{path}` comes from the `{}` scale tier; set it in {file} to override the tier",
                tier.name()
            )],
            Origin::Preset(name) => vec![self.preset_note(path, &name)],
            Origin::File(_) | Origin::Flag(_) => Vec::new(),
        }
    }

    /// Says which preset set the value at `path`, and where that preset was switched on: by a
    /// flag of this run, or in the file's `presets` list (with its line).
    fn preset_note(&self, path: &FieldPath, name: &str) -> String {
        let switched_on_by_flag = match self.provenance.origin(&FieldPath::root().key("presets")) {
            Origin::Flag(flags) => {
                flags.split(" --").any(|flag| flag.trim_start_matches("--") == format!("preset {name}"))
            }
            _ => false,
        };
        if switched_on_by_flag {
            format!(
                "`{path}` comes from preset `{name}`, switched on by --preset {name} for this run; leave that flag out"
            )
        } else {
            let place = match &self.presets_location {
                Some(location) => format!("{}:{}", location.file, location.line),
                None => self.source.name.clone(),
            };
            format!(
                "`{path}` comes from preset `{name}`, listed in `presets` at {place}; remove it there or switch it off with --without-preset {name}"
            )
        }
    }

    /// A diagnostic about the value at `path`, located where that value came from.
    pub fn error_at(&self, path: &FieldPath, message: impl Into<String>) -> Diagnostic {
        let mut diagnostic = Diagnostic::error(message).at(self.locate(path));
        for note in self.origin_notes(path) {
            diagnostic = diagnostic.note(note);
        }
        diagnostic
    }
}

/// Parses, checks and layers one environment file.
pub fn load_environment(
    name: &str,
    source: SourceFile,
    overrides: &Overrides,
) -> Result<LoadedEnvironment, Diagnostics> {
    let (document, syntax_errors) = DeTable::parse_recoverable(&source.text);
    if !syntax_errors.is_empty() {
        return Err(Diagnostics(
            syntax_errors
                .iter()
                .map(|e| {
                    let message = e.message().trim().replace('\n', "; ");
                    Diagnostic::error(format!("invalid TOML: {message}")).at(e.span().map(|span| source.locate(span)))
                })
                .collect(),
        ));
    }

    let mut errors = structure_errors(&source, &document);
    let mut flag_sources = Vec::new();
    let mut flag_layers = Vec::new();
    for assignment in &overrides.set {
        match flag_layer(assignment) {
            Ok((flag_source, layer)) => {
                flag_sources.push(flag_source);
                flag_layers.push(layer);
            }
            Err(diagnostics) => errors.extend(diagnostics),
        }
    }
    let file_layer = match Layer::from_document(LayerKind::File, document.get_ref()) {
        Ok(layer) => Some(layer),
        Err(e) => {
            errors.push(Diagnostic::error(e.to_string()).at(Some(source.locate(e.span))));
            None
        }
    };
    let Some(file_layer) = file_layer.filter(|_| errors.is_empty()) else {
        return Err(Diagnostics(errors));
    };

    let mut user_layers = vec![file_layer];
    user_layers.extend(flag_layers);
    let tier = top_value(&user_layers, "tier")
        .and_then(|v| Tier::deserialize(v.clone()).ok())
        .unwrap_or(Settings::default().tier);
    let selection = select_presets(&source, &user_layers, overrides)?;

    let mut layers = vec![defaults_layer()?];
    let default_region = Settings::default().region;
    let region = top_value(&user_layers, "region").and_then(Value::as_str).unwrap_or(&default_region);
    if let Some(region) = regions::find(region) {
        layers.push(builtin_layer(LayerKind::Region(region.code.to_string()), &region.overlay())?);
    }
    layers.push(builtin_layer(LayerKind::Tier(tier), tiers::overlay(tier))?);
    for preset in &selection.presets {
        layers.push(builtin_layer(LayerKind::Preset(preset.name.to_string()), preset.overlay)?);
    }
    check_preset_conflicts(&layers, &selection.sources)?;
    let mut warnings = selection.warnings.clone();
    warnings.extend(shadowed_preset_warnings(&source, &layers, &user_layers));
    layers.extend(user_layers);
    if let Some(flag_layer) = selection.changed_by_flags.clone() {
        layers.push(flag_layer);
    }

    let (merged, provenance) = layers::merge(&layers);
    let settings = Value::Table(merged)
        .try_into::<Settings>()
        .map_err(|e| Diagnostics(vec![Diagnostic::error(format!("{}: {}", source.name, e.message().trim()))]))?;
    Ok(LoadedEnvironment {
        name: name.to_string(),
        source,
        settings,
        provenance,
        warnings,
        flags: flag_sources,
        presets_location: selection.file_location,
    })
}

fn structure_errors(source: &SourceFile, document: &Spanned<DeTable<'_>>) -> Vec<Diagnostic> {
    schema_check::check_table(settings_schema(), document, &FieldPath::root())
        .into_iter()
        .map(|problem| {
            let mut diagnostic = Diagnostic::error(problem.message()).at(Some(source.locate(problem.span.clone())));
            if let Some(help) = problem.help() {
                diagnostic = diagnostic.help(help);
            }
            diagnostic
        })
        .collect()
}

/// Parses `--set FIELD=VALUE` into a layer. VALUE is TOML; when it does not parse as TOML,
/// or parses into a type the field does not take, it is taken as a string, so
/// `--set network.nat=single` and `--set cache.engine_version=8.0` work unquoted.
fn flag_layer(assignment: &str) -> Result<(SourceFile, Layer), Vec<Diagnostic>> {
    let usage = || {
        vec![Diagnostic::error(format!("`--set {assignment}` is not of the form FIELD=VALUE")).help(
            "for example: --set network.nat=single or --set 'network.azs=[\"ap-northeast-1a\", \"ap-northeast-1c\"]'",
        )]
    };
    let (field, value) = assignment.split_once('=').ok_or_else(usage)?;
    let (field, value) = (field.trim(), value.trim());
    // FIELD is a dotted path of bare keys; anything else (quotes, spaces, a newline) could
    // make the assignment set keys other than the one named.
    if field.is_empty() || !field.split('.').all(path::is_bare_key) {
        return Err(usage());
    }
    let field_path = FieldPath::parse_dotted(field);
    let literal = format!("{field} = {value}");
    let quoted = format!("{field} = {}", Value::String(value.to_string()));
    // VALUE as TOML first; if that does not parse, or parses into the wrong type where a
    // string would do (`cache.engine_version=8.0`), as a string.
    let mut first_errors = None;
    for text in [literal, quoted] {
        let Ok(document) = DeTable::parse(&text) else { continue };
        let source = SourceFile::new(format!("--set {assignment}"), text.clone());
        let errors = structure_errors(&source, &document);
        if !errors.is_empty() {
            first_errors.get_or_insert(errors);
            continue;
        }
        return match Layer::from_document(LayerKind::Flag(source.name.clone()), document.get_ref()) {
            // A VALUE that spans lines could add assignments of its own (`x"\nproject="y`):
            // the flag sets the field it names and nothing else.
            Ok(layer) if layer.leaf_paths().iter().any(|p| !p.starts_with(&field_path)) => Err(vec![
                Diagnostic::error(format!("`--set {}` sets more than `{field}`", assignment.escape_debug()))
                    .help("give one value per --set; a value with quotes or newlines must be a single TOML value"),
            ]),
            Ok(layer) => Ok((source, layer)),
            Err(e) => Err(vec![Diagnostic::error(e.to_string()).at(Some(source.locate(e.span)))]),
        };
    }
    if let Some(errors) = first_errors {
        return Err(errors);
    }
    Err(usage())
}

/// The value of a top-level key in the highest layer that sets it.
fn top_value<'a>(layers: &'a [Layer], key: &str) -> Option<&'a Value> {
    layers.iter().rev().find_map(|layer| layer.values.get(key))
}

struct PresetSelection {
    presets: Vec<&'static Preset>,
    /// Where each selected preset was switched on, by name.
    sources: BTreeMap<String, PresetSource>,
    /// Where the file lists its presets.
    file_location: Option<Location>,
    /// A flag layer recording the changed list, when `--preset`/`--without-preset` changed it.
    changed_by_flags: Option<Layer>,
    warnings: Vec<Diagnostic>,
}

/// Where a preset was switched on.
#[derive(Debug, Clone)]
enum PresetSource {
    /// Listed in the environment file's `presets`, at its entry there.
    File(Option<Location>),
    /// `--preset NAME`.
    Flag,
}

fn select_presets(
    source: &SourceFile,
    user_layers: &[Layer],
    overrides: &Overrides,
) -> Result<PresetSelection, Diagnostics> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let listed_in = user_layers.iter().rev().find(|layer| layer.values.contains_key("presets"));
    let listed: Vec<String> = top_value(user_layers, "presets")
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();

    let unknown = |name: &str| {
        let mut diagnostic = Diagnostic::error(format!("unknown preset `{name}`"));
        diagnostic = match did_you_mean(name, presets::names()) {
            Some(suggestion) => diagnostic.help(format!("did you mean `{suggestion}`?")),
            None => diagnostic.help(format!(
                "the presets are: {} (`infragen presets` describes them)",
                presets::names().collect::<Vec<_>>().join(", ")
            )),
        };
        diagnostic
    };

    let mut names: Vec<String> = Vec::new();
    let mut sources = BTreeMap::new();
    let file_location = match listed_in {
        Some(layer) if layer.kind == LayerKind::File => {
            layer.spans.get(&FieldPath::root().key("presets")).map(|span| source.locate(span.clone()))
        }
        _ => None,
    };
    for (index, name) in listed.iter().enumerate() {
        let path = FieldPath::root().key("presets").index(index);
        let location = match listed_in {
            Some(layer) if layer.kind == LayerKind::File => {
                layer.spans.get(&path).map(|span| source.locate(span.clone()))
            }
            _ => None,
        };
        if presets::find(name).is_none() {
            errors.push(unknown(name).at(location));
        } else if names.contains(name) {
            errors.push(Diagnostic::error(format!("preset `{name}` is listed twice in `presets`")).at(location));
        } else {
            names.push(name.clone());
            sources.insert(name.clone(), PresetSource::File(location));
        }
    }
    let mut changed = Vec::new();
    for name in &overrides.enable_presets {
        if presets::find(name).is_none() {
            errors.push(unknown(name).note(format!("given as --preset {name}")));
        } else if !names.contains(name) {
            names.push(name.clone());
            sources.insert(name.clone(), PresetSource::Flag);
            changed.push(format!("--preset {name}"));
        }
    }
    for name in &overrides.disable_presets {
        if presets::find(name).is_none() {
            errors.push(unknown(name).note(format!("given as --without-preset {name}")));
        } else if let Some(position) = names.iter().position(|n| n == name) {
            names.remove(position);
            changed.push(format!("--without-preset {name}"));
        } else {
            warnings.push(Diagnostic::warning(format!(
                "--without-preset {name} changes nothing: {} does not use preset `{name}`",
                source.name
            )));
        }
    }
    if !errors.is_empty() {
        return Err(Diagnostics(errors));
    }
    let changed_by_flags = (!changed.is_empty()).then(|| {
        let mut table = Table::new();
        table.insert("presets".into(), Value::Array(names.iter().cloned().map(Value::String).collect()));
        Layer::new(LayerKind::Flag(changed.join(" ")), table)
    });
    let presets = names.iter().filter_map(|n| presets::find(n)).collect();
    Ok(PresetSelection { presets, sources, file_location, changed_by_flags, warnings })
}

fn defaults_layer() -> Result<Layer, Diagnostics> {
    let table = Table::try_from(Settings::default()).map_err(|e| internal(format!("built-in defaults: {e}")))?;
    Ok(Layer::new(LayerKind::Default, table))
}

fn builtin_layer(kind: LayerKind, overlay: &str) -> Result<Layer, Diagnostics> {
    let document = DeTable::parse(overlay).map_err(|e| internal(format!("{kind:?}: {e}")))?;
    Layer::from_document(kind.clone(), document.get_ref()).map_err(|e| internal(format!("{kind:?}: {e}")))
}

fn internal(message: String) -> Diagnostics {
    Diagnostics(vec![
        Diagnostic::error(format!("internal error in infragen's built-in settings: {message}"))
            .help("this is a bug in infragen; please report it"),
    ])
}

/// Two presets conflict when they are declared incompatible or set the same value differently.
/// The error points at the preset listed in the file and says where the other one came from,
/// and which setting both change.
fn check_preset_conflicts(layers: &[Layer], sources: &BTreeMap<String, PresetSource>) -> Result<(), Diagnostics> {
    let presets: Vec<(&str, &Layer)> = layers
        .iter()
        .filter_map(|layer| match &layer.kind {
            LayerKind::Preset(name) => Some((name.as_str(), layer)),
            _ => None,
        })
        .collect();
    let mut errors = Vec::new();
    for (i, (first, first_layer)) in presets.iter().enumerate() {
        for (second, second_layer) in &presets[i + 1..] {
            let clash = first_layer.leaf_paths().into_iter().find_map(|path| {
                let (a, b) = (first_layer.get(&path)?, second_layer.get(&path)?);
                (a != b).then(|| format!("both set `{path}`: `{first}` to {a}, `{second}` to {b}"))
            });
            let declared = presets::declared_conflict(first, second).map(|c| format!("both change {}", c.setting));
            let Some(reason) = clash.or(declared) else { continue };
            let mut diagnostic =
                Diagnostic::error(format!("presets `{first}` and `{second}` conflict; use one or the other"))
                    .note(reason);
            for name in [first, second] {
                match sources.get(*name) {
                    Some(PresetSource::Flag) => {
                        diagnostic =
                            diagnostic.note(format!("`{name}` is switched on by --preset {name} for this run"));
                    }
                    Some(PresetSource::File(Some(location))) if diagnostic.location.is_none() => {
                        diagnostic = diagnostic.at(Some(location.clone()));
                    }
                    Some(PresetSource::File(location)) => {
                        let place = location.as_ref().map_or(String::new(), |l| format!(" at {}:{}", l.file, l.line));
                        diagnostic = diagnostic.note(format!("`{name}` is listed in `presets`{place}"));
                    }
                    None => {}
                }
            }
            errors.push(diagnostic);
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(Diagnostics(errors)) }
}

/// A preset whose setting the file or a flag overrides has no effect there; say so, since
/// switching it would otherwise silently change nothing.
fn shadowed_preset_warnings(source: &SourceFile, layers: &[Layer], user_layers: &[Layer]) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    // Listed once, not once per setting of every preset.
    let user_paths: Vec<(&Layer, Vec<FieldPath>)> = user_layers.iter().map(|user| (user, user.leaf_paths())).collect();
    for layer in layers {
        let LayerKind::Preset(name) = &layer.kind else { continue };
        for path in layer.leaf_paths() {
            for (user, paths) in &user_paths {
                if let Some(user_path) = paths.iter().find(|p| p.overlaps(&path)).cloned() {
                    let location = user.spans.get(&user_path).map(|span| source.locate(span.clone()));
                    let (place, winner) = match &user.kind {
                        LayerKind::Flag(flag) => (flag.clone(), "the flag"),
                        _ => (source.name.clone(), "the file"),
                    };
                    warnings.push(
                        Diagnostic::warning(format!(
                            "preset `{name}` sets `{path}`, but {place} sets `{user_path}` too, and {winner} wins"
                        ))
                        .at(location.filter(|_| user.kind == LayerKind::File))
                        .help(match &user.kind {
                            LayerKind::Flag(flag) => format!("leave out {flag} to let the preset decide"),
                            _ => format!("remove `{user_path}` from {place} to let the preset decide"),
                        }),
                    );
                }
            }
        }
    }
    warnings
}

#[cfg(test)]
mod tests;
