//! `radlsig synth --out DIR [options]`: a seeded synthetic cohort with a planted signal.
//!
//! Writes NIfTI images, masks and habitat maps, `manifest.csv`, `truth.csv` (the planted
//! ground truth per case) and `synth.json` (the resolved settings) into `DIR`; the generator
//! and its defaults are documented in `radlsig_cohort::synth` and `datasets/README.md`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use radlsig_cohort::{
    ImagingEffects, LatentShares, Sequences, SynthConfig, TimePoints, generate, parse_grid_size,
    parse_split_fractions,
};

/// Flags of `radlsig synth` (defaults: the demo cohort).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folder (must be empty or absent unless --force).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Seed of every random stream; the same seed gives byte-identical files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Number of cases.
    #[arg(long, default_value_t = 200)]
    cases: usize,
    /// Grid size in voxels: N (N³) or XxYxZ.
    #[arg(long, default_value = "64x64x24", value_name = "SIZE", value_parser = parse_grid_size)]
    size: [usize; 3],
    /// Expected fraction of label-1 cases.
    #[arg(long, default_value_t = 0.5)]
    prevalence: f64,
    /// AUC of the image-visible latent score for the label (0.5 = no signal, 1 = images decide).
    #[arg(long, default_value_t = 0.95)]
    auc: f64,
    /// Number of centres (scanners), 1 to 3.
    #[arg(long, visible_alias = "centers", default_value_t = 3)]
    centres: usize,
    /// Strength of the scanner differences between centres (0 = identical, 1 = presets).
    #[arg(long, visible_alias = "center-effect", default_value_t = 1.0)]
    centre_effect: f64,
    /// Sequences per case: 1 (one post-contrast image) or 2 (T1 and ADC).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    sequences: u8,
    /// Time points per case: 1, or 2 (pre and post, with the planted delta effect).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    time_points: u8,
    /// Weight of the global latent part (heterogeneity, irregularity).
    #[arg(long, default_value_t = 1.0)]
    global_share: f64,
    /// Weight of the spatial latent part (necrotic core eccentricity).
    #[arg(long, default_value_t = 1.0)]
    spatial_share: f64,
    /// Weight of the delta latent part (used with --time-points 2).
    #[arg(long, default_value_t = 1.0)]
    delta_share: f64,
    /// Correlation between each latent part and the imaging parameters it drives.
    #[arg(long, default_value_t = ImagingEffects::default().fidelity)]
    fidelity: f64,
    /// Log-change of the texture amplitude per unit of the global driver.
    #[arg(long, default_value_t = ImagingEffects::default().texture)]
    texture_effect: f64,
    /// Log-change of the surface irregularity per unit of the global driver.
    #[arg(long, default_value_t = ImagingEffects::default().irregularity)]
    irregularity_effect: f64,
    /// Fraction of the admissible core shift used at full eccentricity (0 = cores stay central).
    #[arg(long, default_value_t = ImagingEffects::default().eccentricity)]
    eccentricity: f64,
    /// Log-shrinkage of the lesion radius from pre to post per unit of the delta driver.
    #[arg(long, default_value_t = ImagingEffects::default().response)]
    response: f64,
    /// Train, val and test fractions (stratified by label).
    #[arg(long, default_value = "0.8,0.2,0", value_name = "TRAIN,VAL,TEST",
          value_parser = parse_split_fractions)]
    split: [f64; 3],
    /// Do not write the habitat maps.
    #[arg(long)]
    no_habitats: bool,
    /// Cases generated in parallel (default: all cores).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Write into a non-empty output folder, overwriting files of the same names.
    #[arg(long)]
    force: bool,
}

/// Generates the cohort and prints a summary.
pub fn run(args: Args) -> anyhow::Result<()> {
    let config = SynthConfig {
        seed: args.seed,
        cases: args.cases,
        size: args.size,
        prevalence: args.prevalence,
        auc: args.auc,
        shares: LatentShares {
            global: args.global_share,
            spatial: args.spatial_share,
            delta: args.delta_share,
        },
        effects: ImagingEffects {
            fidelity: args.fidelity,
            texture: args.texture_effect,
            irregularity: args.irregularity_effect,
            eccentricity: args.eccentricity,
            response: args.response,
        },
        centres: args.centres,
        centre_effect: args.centre_effect,
        sequences: if args.sequences == 2 { Sequences::T1Adc } else { Sequences::Single },
        time_points: if args.time_points == 2 { TimePoints::PrePost } else { TimePoints::Single },
        split: args.split,
        habitats: !args.no_habitats,
    };
    config.validate()?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(args.jobs.unwrap_or(0)).build()?;
    let bar = ProgressBar::new(config.cases as u64);
    bar.set_style(ProgressStyle::with_template(
        "{bar:40} {pos}/{len} cases, {elapsed} ({eta} left)",
    )?);
    let start = Instant::now();
    let tick = || bar.inc(1);
    let manifest = pool
        .install(|| generate(&config, &args.out, args.force, &tick))
        .with_context(|| format!("generating a synthetic cohort in {}", args.out.display()))?;
    bar.finish_and_clear();
    let positives = manifest.cases.iter().filter(|c| c.label == Some(1)).count();
    println!(
        "wrote {} cases ({positives} with label 1) to {} in {:.1} s",
        manifest.len(),
        args.out.display(),
        start.elapsed().as_secs_f64()
    );
    println!("  manifest {}", manifest.path.display());
    println!("  truth    {}", args.out.join("truth.csv").display());
    Ok(())
}
