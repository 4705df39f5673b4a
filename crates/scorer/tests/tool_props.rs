//! Properties of the tool-call matcher and the string normaliser, checked on generated
//! inputs: the order of calls never matters to the default (optimal) pairing, a
//! duplicated call always fails, `compat = "bfcl"`'s first-fit pairing gives the verdict
//! of a plain reference implementation of its rule, and normalisation is idempotent
//! under every option.

use proptest::prelude::*;
use routeval_core::message::{FunctionCall, ToolCall};
use routeval_core::scorer_spec::{ToolCompat, Whitespace};
use routeval_scorer::{match_tool_calls, match_tool_calls_by, normalise_str, StrNorm, ToolSet};
use serde_json::{json, Value};

fn tools() -> ToolSet {
    ToolSet::compile(&[
        json!({"type": "function", "function": {"name": "get_weather", "parameters": {
            "type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city"]}}}),
        json!({"type": "function", "function": {"name": "lookup_order", "parameters": {
            "type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}}}),
    ])
    .expect("tools compile")
}

fn call(name: &str, args: Value) -> ToolCall {
    ToolCall {
        id: String::new(),
        kind: "function".into(),
        function: FunctionCall {
            name: name.into(),
            arguments: args.to_string(),
        },
    }
}

/// One expected call and the call that satisfies it.
fn pair() -> impl Strategy<Value = (Value, ToolCall)> {
    prop_oneof![
        ("[A-Za-z]{1,8}", proptest::option::of(1i64..10)).prop_map(|(city, days)| {
            let mut exp_args = json!({"city": [city.clone()]});
            let mut args = json!({"city": city});
            if let Some(d) = days {
                exp_args["days"] = json!([d]);
                args["days"] = json!(d);
            }
            (
                json!({"name": "get_weather", "arguments": exp_args}),
                call("get_weather", args),
            )
        }),
        "[A-Z]{2}-[0-9]{5}".prop_map(|id| {
            (
                json!({"name": "lookup_order", "arguments": {"order_id": [id.clone()]}}),
                call("lookup_order", json!({"order_id": id})),
            )
        }),
    ]
}

/// Calls that may or may not be right: a correct set with some arguments changed.
fn calls_and_expected() -> impl Strategy<Value = (Value, Vec<ToolCall>)> {
    proptest::collection::vec((pair(), any::<bool>()), 1..6).prop_map(|pairs| {
        let expected: Vec<Value> = pairs.iter().map(|((e, _), _)| e.clone()).collect();
        let calls = pairs
            .into_iter()
            .map(|((_, c), corrupt)| {
                if corrupt {
                    // A wrong value for the first argument: still valid JSON.
                    let mut c = c;
                    let mut args: Value =
                        serde_json::from_str(&c.function.arguments).unwrap_or_default();
                    if let Some((_, v)) = args.as_object_mut().and_then(|m| m.iter_mut().next()) {
                        *v = json!(format!("{v}-wrong"));
                    }
                    c.function.arguments = args.to_string();
                    c
                } else {
                    c
                }
            })
            .collect();
        (json!({"tool_calls": expected}), calls)
    })
}

/// Parallel calls over a small alphabet of cities, and expected calls whose acceptable
/// values overlap, so that which call an expected call takes first matters.
fn overlapping_calls() -> impl Strategy<Value = (Value, Vec<ToolCall>)> {
    let city = || prop::sample::select(vec!["paris", "rome", "oslo"]);
    let expected = (
        prop::sample::subsequence(vec!["paris", "rome", "oslo"], 1..=3),
        proptest::option::of(1i64..3),
    )
        .prop_map(|(cities, days)| {
            let mut args = json!({"city": cities});
            if let Some(d) = days {
                args["days"] = json!([d, ""]);
            }
            json!({"name": "get_weather", "arguments": args})
        });
    let answer = (city(), proptest::option::of(1i64..3)).prop_map(|(city, days)| {
        let mut args = json!({"city": city});
        if let Some(d) = days {
            args["days"] = json!(d);
        }
        call("get_weather", args)
    });
    (1usize..5).prop_flat_map(move |n| {
        (
            proptest::collection::vec(expected.clone(), n),
            proptest::collection::vec(answer.clone(), n),
        )
            .prop_map(|(expected, calls)| (json!({"tool_calls": expected}), calls))
    })
}

/// The leaderboard's parallel rule, written out plainly: each expected call in order
/// takes the first call not yet taken that satisfies it on its own, and never gives it
/// back. A call "satisfies" an expected call when grading the two alone passes.
fn first_fit_reference(expected: &Value, calls: &[ToolCall], tools: &ToolSet) -> bool {
    let expected = expected["tool_calls"].as_array().unwrap();
    if expected.len() != calls.len() {
        return false;
    }
    let alone = |call: &ToolCall, want: &Value| {
        let one = json!({"tool_calls": [want]});
        match_tool_calls_by(
            std::slice::from_ref(call),
            Some(&one),
            tools,
            StrNorm::BFCL,
            ToolCompat::Bfcl,
        )
        .pass
    };
    let mut taken = vec![false; calls.len()];
    for want in expected {
        match (0..calls.len()).find(|&i| !taken[i] && alone(&calls[i], want)) {
            Some(i) => taken[i] = true,
            None => return false,
        }
    }
    true
}

fn norm() -> impl Strategy<Value = StrNorm> {
    (
        any::<bool>(),
        prop_oneof![
            Just(Whitespace::Keep),
            Just(Whitespace::Collapse),
            Just(Whitespace::Remove),
            Just(Whitespace::RemoveAll)
        ],
        any::<bool>(),
    )
        .prop_map(|(ignore_case, whitespace, punctuation)| StrNorm {
            ignore_case,
            whitespace,
            punctuation,
        })
}

proptest! {
    #[test]
    fn permuting_correct_calls_keeps_them_correct(
        pairs in proptest::collection::vec(pair(), 1..6),
        seed in any::<u64>(),
    ) {
        let expected = json!({"tool_calls": pairs.iter().map(|(e, _)| e.clone()).collect::<Vec<_>>()});
        let mut calls: Vec<ToolCall> = pairs.into_iter().map(|(_, c)| c).collect();
        let tools = tools();
        prop_assert!(match_tool_calls(&calls, Some(&expected), &tools, StrNorm::BFCL).pass);
        // A seeded Fisher-Yates shuffle.
        let mut s = seed;
        for i in (1..calls.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let j = (s >> 33) as usize % (i + 1);
            calls.swap(i, j);
        }
        prop_assert!(match_tool_calls(&calls, Some(&expected), &tools, StrNorm::BFCL).pass);
    }

    #[test]
    fn permuting_any_calls_never_changes_the_verdict(
        (expected, calls) in calls_and_expected(),
        shuffled in Just(()).prop_perturb(|_, mut rng| rng.next_u64()),
    ) {
        let tools = tools();
        let before = match_tool_calls(&calls, Some(&expected), &tools, StrNorm::BFCL);
        let mut permuted = calls.clone();
        permuted.rotate_left((shuffled % calls.len() as u64) as usize);
        permuted.reverse();
        let after = match_tool_calls(&permuted, Some(&expected), &tools, StrNorm::BFCL);
        prop_assert_eq!(before.pass, after.pass);
        prop_assert_eq!(before.score, after.score);
    }

    #[test]
    fn adding_a_duplicate_call_always_fails(
        (expected, calls) in calls_and_expected(),
        which in any::<prop::sample::Index>(),
    ) {
        let mut calls = calls;
        let dup = calls[which.index(calls.len())].clone();
        calls.push(dup);
        let m = match_tool_calls(&calls, Some(&expected), &tools(), StrNorm::BFCL);
        prop_assert!(!m.pass);
    }

    #[test]
    fn bfcl_first_fit_matches_the_reference_rule((expected, calls) in overlapping_calls()) {
        let tools = tools();
        let got = match_tool_calls_by(&calls, Some(&expected), &tools, StrNorm::BFCL, ToolCompat::Bfcl);
        prop_assert_eq!(got.pass, first_fit_reference(&expected, &calls, &tools), "{:?}", got.detail);
        // First-fit never accepts what the optimal pairing rejects.
        if got.pass {
            prop_assert!(match_tool_calls(&calls, Some(&expected), &tools, StrNorm::BFCL).pass);
        }
    }

    #[test]
    fn normalise_str_is_idempotent(s in any::<String>()) {
        let once = normalise_str(&s);
        prop_assert_eq!(normalise_str(&once), once);
    }

    #[test]
    fn every_normaliser_is_idempotent_and_symmetric(s in any::<String>(), t in "[ a-zA-Z.,'_-]{0,12}", n in norm()) {
        let once = n.apply(&s).into_owned();
        prop_assert_eq!(n.apply(&once).into_owned(), once.clone());
        prop_assert_eq!(n.eq(&s, &t), n.eq(&t, &s));
        prop_assert!(n.eq(&s, &once), "a string equals its own normal form");
    }
}
