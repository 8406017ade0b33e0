//! Whatever the input, infragen answers with a result, never a panic; and whatever it
//! accepts, it can render. Thousands of deterministic mutations of the shipped files.

use infragen::config::{Overrides, load_environment};
use infragen::diagnostic::SourceFile;
use infragen::model::Architecture;
use infragen::render::Renderer;

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const VALUES: &[&str] = &[
    "\"\"",
    "-1",
    "0",
    "99999999999999999999",
    "1.5",
    "nan",
    "true",
    "[]",
    "{}",
    "[\"a\", 1]",
    "\"10.0.0.0/33\"",
    "\"10.0.0.1/16\"",
    "\"ap-northeast-1z\"",
    "[\"ap-northeast-1a\"]",
    "\"${var.x}\"",
    "\"日本語\"",
    "\"a\\u0000b\"",
    "{ a = 1 }",
    "\"none\"",
    "\"per_az\"",
    "[\"no-nat\", \"no-nat\"]",
    "1979-05-27T07:32:00Z",
];

fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for _ in 0..=rng.below(3) {
        let index = rng.below(lines.len());
        match rng.below(6) {
            0 if !lines.is_empty() => {
                lines.remove(index);
            }
            1 if !lines.is_empty() => {
                let line = lines[index].clone();
                lines.insert(index, line);
            }
            2 => {
                if let Some(line) = lines.get_mut(index)
                    && let Some((key, _)) = line.split_once('=')
                {
                    *line = format!("{key}= {}", VALUES[rng.below(VALUES.len())]);
                }
            }
            3 => {
                const BYTES: &[u8] = b"[]{}=\"'#.,\\\n x1";
                let garbage: String = (0..rng.below(8)).map(|_| char::from(BYTES[rng.below(BYTES.len())])).collect();
                lines.insert(index, garbage);
            }
            4 => lines.insert(index, format!("[{}]", ["network", "dns", "state", "logs", "kms", "x"][rng.below(6)])),
            _ => {
                if let Some(line) = lines.get_mut(index) {
                    let cut = rng.below(line.len() + 1);
                    line.truncate(line.floor_char_boundary(cut));
                }
            }
        }
    }
    lines.join("\n")
}

#[test]
fn mutated_environment_files_never_panic_and_valid_ones_render() {
    let renderer = Renderer::new().expect("templates");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("environments");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut accepted = 0;
    for name in ["dev", "prod"] {
        let original = std::fs::read_to_string(root.join(format!("{name}.toml"))).expect("shipped file");
        for _ in 0..200 {
            let text = mutate(&original, &mut rng);
            let source = SourceFile::new(format!("environments/{name}.toml"), text.clone());
            let Ok(loaded) = load_environment(name, source, &Overrides::default()) else { continue };
            let Ok(arch) = Architecture::from_environment(&loaded) else { continue };
            accepted += 1;
            if let Err(error) = renderer.environment(&arch) {
                panic!("accepted input failed to render: {error}\n--- input\n{text}");
            }
        }
    }
    assert!(accepted > 25, "the mutations should leave many files valid ({accepted})");
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut rng = Rng(42);
    for _ in 0..3000 {
        let bytes: Vec<u8> = (0..rng.below(200)).map(|_| (rng.next() & 0xff) as u8).collect();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let source = SourceFile::new("environments/dev.toml", text);
        if let Ok(loaded) = load_environment("dev", source, &Overrides::default()) {
            let _ = Architecture::from_environment(&loaded);
        }
    }
}
