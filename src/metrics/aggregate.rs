//! Combines the metric trees of several replications: the mean of every number and its 95 %
//! confidence-interval half-width from Student's t distribution.

use serde_json::{Map, Value};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Two-sided 95 % Student t quantile for `n` samples (n - 1 degrees of freedom).
pub fn t_quantile_95(n: usize) -> f64 {
    if n < 2 {
        return f64::NAN;
    }
    StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(f64::NAN)
}

/// Sample mean and 95 % CI half-width (t x s / sqrt(n)); half-width 0 for one sample.
pub fn mean_and_half_width(values: &[f64]) -> (f64, f64) {
    let n = values.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    (mean, t_quantile_95(n) * (var / n as f64).sqrt())
}

/// Mean tree and CI tree of replications whose trees have the same shape. Non-numeric
/// leaves are taken from the first tree.
pub fn aggregate(trees: &[Value]) -> (Value, Value) {
    let Some(first) = trees.first() else {
        return (Value::Null, Value::Null);
    };
    match first {
        Value::Object(obj) => {
            let mut mean = Map::new();
            let mut ci = Map::new();
            for key in obj.keys() {
                let children: Vec<Value> = trees
                    .iter()
                    .map(|t| t.get(key).cloned().unwrap_or(Value::Null))
                    .collect();
                let (m, c) = aggregate(&children);
                mean.insert(key.clone(), m);
                if !c.is_null() {
                    ci.insert(key.clone(), c);
                }
            }
            (Value::Object(mean), Value::Object(ci))
        }
        Value::Number(_) => {
            let values: Vec<f64> = trees.iter().filter_map(Value::as_f64).collect();
            let (m, h) = mean_and_half_width(&values);
            (number(m), number(h))
        }
        other => (other.clone(), Value::Null),
    }
}

fn number(x: f64) -> Value {
    serde_json::Number::from_f64(x)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn t_quantiles_match_tables() {
        assert!((t_quantile_95(2) - 12.706).abs() < 1e-3);
        assert!((t_quantile_95(10) - 2.262).abs() < 1e-3);
        assert!((t_quantile_95(31) - 2.042).abs() < 1e-3);
    }

    #[test]
    fn aggregates_nested_trees() {
        let trees = [json!({"a": {"x": 1.0}, "n": "s"}), json!({"a": {"x": 3.0}, "n": "s"})];
        let (mean, ci) = aggregate(&trees);
        assert_eq!(mean, json!({"a": {"x": 2.0}, "n": "s"}));
        // s = sqrt(2), half-width = 12.706 x sqrt(2) / sqrt(2).
        let h = ci["a"]["x"].as_f64().unwrap();
        assert!((h - 12.706).abs() < 1e-3, "{h}");
        assert!(ci.get("n").is_none());
    }
}
