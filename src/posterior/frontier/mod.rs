//! The frontier method: a hierarchical stochastic frontier for the energy per MAC.
//!
//! Stochastic frontier analysis (Aigner, Lovell & Schmidt 1977; Meeusen & van den Broeck
//! 1977; in Bayesian form van den Broeck, Koop, Osiewalski & Steel 1994) models units that sit
//! *below* a frontier by a one-sided inefficiency, and learns the frontier together with the
//! law of the inefficiency. Here the frontier is each chip's physics limit and the units are
//! training runs. For node `n`, precision `p`, accelerator `a` on that node and run `i` on `a`:
//!
//! ```text
//! physics limit     L_i = min(1, u_a P_a k / (c_a F_a E_a))
//! published MFU     m_i = L_i exp(-v_i)                  (m_i uniform in [mfu_low, mfu_high])
//! architecture      ln E_a = ln E_n + δ_a,   δ_a ~ N(0, τ²)
//! run inefficiency  v_i = g + w_i,   w_i ~ Gamma(κ, mean θ)
//! mislabelled runs  with probability π, m_i is too high by R, ln R ~ U(0, ln R_max]
//! nuisances         u_a ~ power_fraction, c_a ~ peak_factor, shared by a's runs
//! ceilings          matmul benchmarks: v = -ln η with their own η and power fraction
//! ```
//!
//! **Computation.** Deterministic quadrature, no MCMC, so results are byte-identical whatever
//! the thread count. The hyperparameters (θ, κ, g, τ) are integrated on a grid of their prior
//! quadrature points ([`hyper`]); for each point, an accelerator's likelihood
//! `L_a(ln E_a)` is the product of its runs' terms ([`terms`]) averaged over the shared power
//! fraction (a convolution in `ln E`) and peak factor; the architecture effect is a Gaussian
//! smoothing of `L_a` ([`lattice::smooth`]); a node's posterior is its energy prior times the
//! product of its chips' smoothed likelihoods. The hyperparameters' posterior weights come from
//! the observed groups' evidences (each observation counted once); every reported posterior
//! is the mixture over hyperparameters with those weights.
//!
//! The Monte Carlo part of mfucal is not needed here: the MFU range, power fraction, peak
//! factor and node scale all have closed-form CDFs, so their effect on each term is integrated
//! exactly on the lattice (2.2 % steps in energy).

pub mod hyper;
pub mod lattice;
pub mod terms;
pub mod units;

mod fit;

pub use fit::{
    fit, fit_with_alternatives, AcceleratorFit, FrontierFit, GroupFit, HyperPosterior, RunFit,
};
