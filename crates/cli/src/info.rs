//! `radlsig info FILE…`: what a volume file holds, to diagnose geometry mismatches.

use std::path::PathBuf;

use anyhow::Context;
use radlsig_volume::read_volume;

/// Flags of `radlsig info`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// NRRD or NIfTI files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// Prints one block per file.
pub fn run(args: Args) -> anyhow::Result<()> {
    for path in &args.files {
        let v = read_volume(path).with_context(|| format!("reading {}", path.display()))?;
        let g = v.geometry();
        let (min, max) = v.finite_range().unwrap_or((f64::INFINITY, f64::NEG_INFINITY));
        let non_finite = v.count_non_finite();
        println!("{}", path.display());
        println!("  size (x,y,z)    {:?}", g.size);
        println!("  spacing (mm)    {:?}", g.spacing);
        println!("  origin (LPS mm) {:?}", g.origin);
        println!("  direction       {:?}", g.direction);
        println!("  pixel type      {:?}", v.pixel_type());
        println!(
            "  value range     [{min}, {max}]{}",
            if non_finite > 0 {
                format!(", {non_finite} non-finite voxels")
            } else {
                String::new()
            }
        );
        let distinct = v.distinct_values();
        if v.pixel_type().is_integer() && distinct.len() <= 16 {
            println!("  distinct values {distinct:?}");
        }
    }
    Ok(())
}
