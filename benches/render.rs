//! `cargo bench`: how long loading, validating and rendering the shipped environments
//! takes, against the target that keeps `gen --check` instant in CI and editors' save
//! hooks: both environments in under 50 ms on one core.

use std::path::Path;
use std::time::{Duration, Instant};

use infragen::config::Overrides;
use infragen::render::Renderer;
use infragen::workspace::Workspace;

const TARGET: Duration = Duration::from_millis(50);
const RUNS: u32 = 50;

fn main() {
    let workspace = Workspace::new(&Path::new(env!("CARGO_MANIFEST_DIR")).join("environments"));
    let renderer = Renderer::new().expect("templates compile");
    let mut total = Duration::ZERO;
    let mut slowest = Duration::ZERO;
    let mut files = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        for name in ["dev", "prod"] {
            let environment = workspace.load(name, &Overrides::default()).expect("shipped files are valid");
            files += renderer.environment(&environment.architecture).expect("renders").files().len();
        }
        let elapsed = start.elapsed();
        total += elapsed;
        slowest = slowest.max(elapsed);
    }
    let mean = total / RUNS;
    println!(
        "load + validate + render dev and prod: mean {mean:?}, slowest {slowest:?} over {RUNS} runs ({} files a run)",
        files / RUNS as usize
    );
    if mean > TARGET {
        eprintln!("slower than the target of {TARGET:?}");
        std::process::exit(1);
    }
}
