//! `[nodes]` and `model.reference_node`: each node's energy relative to the reference node,
//! which must be in the table with a fixed scale of 1.

use std::collections::BTreeMap;

use toml::Spanned;

use super::Found;
use crate::config::plan::{node_order, NodeScale};
use crate::dist::{DistSpec, Quantity};
use crate::error::shown;

/// The node scales, sorted by node size, and the reference node.
pub(super) fn resolve(
    raw_nodes: &BTreeMap<String, Spanned<DistSpec>>,
    raw_reference: &Option<Spanned<String>>,
    found: &mut Found,
) -> (Vec<NodeScale>, String) {
    let mut nodes = Vec::new();
    for (node, spec) in raw_nodes {
        let key = format!("nodes.\"{node}\"");
        let scale = found.dist(
            &Some(spec.clone()),
            &key,
            DistSpec::Fixed { value: 1.0 },
            Quantity::PositiveFactor,
        );
        nodes.push(NodeScale {
            node: node.clone(),
            scale,
        });
    }
    nodes.sort_by(|a, b| node_order(&a.node, &b.node));

    let reference_node = raw_reference
        .as_ref()
        .map(|s| s.get_ref().clone())
        .unwrap_or_else(|| "4nm".into());
    if !nodes.iter().any(|n| n.node == reference_node) {
        let span = raw_reference.as_ref().map(|s| s.span());
        found.key(
            span,
            "model.reference_node",
            format!(
                "'{0}' has no entry in [nodes]; add \"{0}\" = {{ dist = \"fixed\", value = 1.0 }}",
                shown(&reference_node)
            ),
        );
    } else if let Some(n) = nodes.iter().find(|n| n.node == reference_node) {
        // A sampled scale (lognormal, say) is as wrong as a fixed 0.9: the reference node's
        // energy is the calibrated one, by definition.
        if n.scale.fixed_value() != Some(1.0) {
            let span = raw_nodes.get(&reference_node).map(|s| s.span());
            found.key(
                span,
                &format!("nodes.\"{reference_node}\""),
                "the reference node's scale is energy at the node / itself; it must be { dist = \"fixed\", value = 1.0 }".into(),
            );
        }
    }

    (nodes, reference_node)
}
