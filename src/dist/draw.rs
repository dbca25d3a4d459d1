//! The hot loop's view of a distribution: a [`Sampler`] holds whatever a draw needs
//! precomputed, so a draw is one well-predicted `match`.

use rand::{Rng, RngExt};
use rand_distr::Distribution;

use super::fast_exp::fast_exp;

/// A ready-to-draw distribution; one well-predicted `match` per draw in the hot loop.
///
/// Log-uniform and lognormal draws go through [`fast_exp`] instead of libm's `exp`, which
/// costs more than all the uniform draws of a sample together.
#[derive(Debug, Clone, Copy)]
pub enum Sampler {
    /// Always this value.
    Fixed(f64),
    /// Uniform on `[low, low + width)`.
    Uniform {
        /// Lower end.
        low: f64,
        /// `high - low`.
        width: f64,
    },
    /// `exp` of a uniform on `[ln_low, ln_low + ln_width)`.
    LogUniform {
        /// `ln` of the lower end.
        ln_low: f64,
        /// `ln(high / low)`.
        ln_width: f64,
    },
    /// Normal, drawn by `rand_distr`.
    Normal(rand_distr::Normal<f64>),
    /// `exp(mu + sigma z)` with `z` standard normal.
    LogNormal {
        /// Mean of `ln x`.
        mu: f64,
        /// Standard deviation of `ln x`.
        sigma: f64,
    },
    /// Triangular, drawn by `rand_distr`.
    Triangular(rand_distr::Triangular<f64>),
    /// Beta, drawn by `rand_distr`.
    Beta(rand_distr::Beta<f64>),
}

impl Sampler {
    /// One draw from the distribution.
    #[inline(always)]
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Sampler::Fixed(v) => *v,
            Sampler::Uniform { low, width } => low + width * rng.random::<f64>(),
            Sampler::LogUniform { ln_low, ln_width } => {
                fast_exp(ln_low + ln_width * rng.random::<f64>())
            }
            Sampler::Normal(d) => d.sample(rng),
            Sampler::LogNormal { mu, sigma } => {
                let z: f64 = rand_distr::StandardNormal.sample(rng);
                fast_exp(mu + sigma * z)
            }
            Sampler::Triangular(d) => d.sample(rng),
            Sampler::Beta(d) => d.sample(rng),
        }
    }

    /// A sampler of `1 / X` that needs no division per draw where the distribution allows:
    /// a fixed value's reciprocal is fixed, a lognormal's is lognormal(-mu, sigma), a
    /// log-uniform's is log-uniform on the reciprocal range. `None` for the others.
    pub fn reciprocal(&self) -> Option<Sampler> {
        match *self {
            Sampler::Fixed(v) => Some(Sampler::Fixed(1.0 / v)),
            Sampler::LogNormal { mu, sigma } => Some(Sampler::LogNormal { mu: -mu, sigma }),
            Sampler::LogUniform { ln_low, ln_width } => Some(Sampler::LogUniform {
                ln_low: -ln_low - ln_width,
                ln_width,
            }),
            _ => None,
        }
    }
}
