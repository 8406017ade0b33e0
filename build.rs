//! Embeds every file under `templates/` into the binary, so infragen is one self-contained
//! file. The list is generated (sorted, for reproducible builds); each entry is an
//! `include_str!`, so cargo rebuilds when a template changes.
//!
//! It also digests everything the output of `infragen gen` can depend on (sources,
//! templates, data tables, the locked dependencies) into `INFRAGEN_SOURCE_DIGEST`: a
//! tree written by one build is known fresh to another only when they agree on it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs, io};

fn main() -> io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files)?;
    files.sort();

    let mut code = String::from(
        "/// Every template under `templates/`, by path relative to it.\npub const TEMPLATES: &[(&str, &str)] = &[\n",
    );
    for file in &files {
        let name = file.strip_prefix(&root).map_err(io::Error::other)?.to_string_lossy().replace('\\', "/");
        writeln!(code, "    ({name:?}, include_str!({:?})),", file.display().to_string()).map_err(io::Error::other)?;
    }
    code.push_str("];\n");
    let out = PathBuf::from(env::var_os("OUT_DIR").ok_or_else(|| io::Error::other("OUT_DIR not set"))?);
    fs::write(out.join("templates.rs"), code)?;

    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut inputs = Vec::new();
    for dir in ["src", "templates", "data", "pricing"] {
        let dir = manifest_dir.join(dir);
        println!("cargo:rerun-if-changed={}", dir.display());
        if dir.is_dir() {
            collect(&dir, &mut inputs)?;
        }
    }
    for file in ["Cargo.lock", "Cargo.toml", "build.rs"] {
        println!("cargo:rerun-if-changed={}", manifest_dir.join(file).display());
        inputs.push(manifest_dir.join(file));
    }
    inputs.sort();
    inputs.dedup();
    // SipHash with fixed keys: the same bytes give the same digest on every build.
    #[allow(deprecated)]
    let mut hasher = std::hash::SipHasher::new();
    for file in &inputs {
        let name = file.strip_prefix(manifest_dir).map_err(io::Error::other)?.to_string_lossy().replace('\\', "/");
        std::hash::Hash::hash(&name, &mut hasher);
        std::hash::Hash::hash(&fs::read(file).unwrap_or_default(), &mut hasher);
    }
    println!("cargo:rustc-env=INFRAGEN_SOURCE_DIGEST={:016x}", std::hash::Hasher::finish(&hasher));
    Ok(())
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.')) {
            continue;
        }
        if path.is_dir() {
            collect(&path, files)?;
        } else {
            println!("cargo:rerun-if-changed={}", path.display());
            files.push(path);
        }
    }
    Ok(())
}
