//! Spend caps. Before a case is sent, the worst case of its requests (max tokens at
//! catalog prices) is reserved against the suite budget and the caps of the routes it
//! may use; dispatch stops when a reservation would not fit. Actual spend replaces the
//! reservation when the case ends.

use crate::capability::max_tokens;
use crate::catalog::Price;
use crate::execute::Target;
use routeval_core::CaseOutcome;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Default, Clone, Copy)]
struct Account {
    cap: Option<f64>,
    spent: f64,
    reserved: f64,
}

impl Account {
    fn fits(&self, amount: f64) -> bool {
        self.cap
            .is_none_or(|cap| self.spent + self.reserved + amount <= cap)
    }
}

/// The suite budget and per-route caps of one run.
#[derive(Debug)]
pub struct Budget {
    state: Mutex<(Account, HashMap<String, Account>)>,
}

/// What one case holds until it ends.
#[derive(Debug, Clone, Default)]
pub struct Reservation {
    total: f64,
    per_route: Vec<(String, f64)>,
}

impl Budget {
    /// `spent` is what a resumed run already spent, in all and per route.
    pub fn new(
        cap: Option<f64>,
        spent: f64,
        route_caps: HashMap<String, Option<f64>>,
        route_spent: &HashMap<String, f64>,
    ) -> Self {
        let routes = route_caps
            .into_iter()
            .map(|(name, cap)| {
                let spent = route_spent.get(&name).copied().unwrap_or(0.0);
                (
                    name,
                    Account {
                        cap,
                        spent,
                        reserved: 0.0,
                    },
                )
            })
            .collect();
        Self {
            state: Mutex::new((
                Account {
                    cap,
                    spent,
                    reserved: 0.0,
                },
                routes,
            )),
        }
    }

    /// Reserve a case's worst case, all or nothing.
    pub fn try_reserve(&self, r: &Reservation) -> bool {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (total, routes) = &mut *guard;
        if !total.fits(r.total)
            || r.per_route
                .iter()
                .any(|(name, amount)| routes.get(name).is_some_and(|a| !a.fits(*amount)))
        {
            return false;
        }
        total.reserved += r.total;
        for (name, amount) in &r.per_route {
            if let Some(a) = routes.get_mut(name) {
                a.reserved += amount;
            }
        }
        true
    }

    /// Release a reservation and book what the case really spent, per route.
    pub fn settle(&self, r: &Reservation, outcome: Option<&CaseOutcome>) {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (total, routes) = &mut *guard;
        total.reserved = (total.reserved - r.total).max(0.0);
        for (name, amount) in &r.per_route {
            if let Some(a) = routes.get_mut(name) {
                a.reserved = (a.reserved - amount).max(0.0);
            }
        }
        // Judge requests are money spent too, on the judge's route.
        let judged = outcome
            .into_iter()
            .flat_map(|o| o.judging.attempts.iter().map(|j| &j.attempt));
        let mut unknown: Vec<&str> = Vec::new();
        for attempt in outcome
            .map(|o| o.attempts.as_slice())
            .unwrap_or_default()
            .iter()
            .chain(judged)
        {
            let Some(cost) = attempt.cost else {
                if !unknown.contains(&attempt.route.as_str()) {
                    unknown.push(&attempt.route);
                }
                continue;
            };
            total.spent += cost;
            if let Some(a) = routes.get_mut(&attempt.route) {
                a.spent += cost;
            }
        }
        // A cost that is unknown is booked at what the case reserved for its route, the
        // worst case: the books never count an unknown cost as free.
        for route in unknown {
            let reserved: f64 = r
                .per_route
                .iter()
                .filter(|(name, _)| name == route)
                .map(|(_, amount)| amount)
                .sum();
            total.spent += reserved;
            if let Some(a) = routes.get_mut(route) {
                a.spent += reserved;
            }
        }
    }

    pub fn spent(&self) -> f64 {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).0.spent
    }

    /// How much the total cap lacks for `r` (0 when it fits), when there is a cap.
    pub fn shortfall(&self, r: &Reservation) -> Option<f64> {
        let guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let total = &guard.0;
        let cap = total.cap?;
        Some((total.spent + total.reserved + r.total - cap).max(0.0))
    }

    /// Allow `amount` more in all: a slice drawn from a [`SharedBudget`].
    pub fn raise_cap(&self, amount: f64) {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(cap) = &mut guard.0.cap {
            *cap += amount;
        }
    }

    /// The total cap as it stands (what this process may spend in all).
    pub fn cap(&self) -> Option<f64> {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).0.cap
    }
}

/// A suite budget shared with other processes: the shards of one run. Each process
/// starts with nothing and draws slices as it needs them, so the processes together
/// never reserve more than the budget; what a process did not spend goes back when it
/// ends.
pub trait SharedBudget: Send + Sync {
    /// Take `amount` more for this process; `false` when the rest of the budget is
    /// smaller.
    fn draw(
        &self,
        amount: f64,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send + '_>>;
}

/// Grow `budget` from `shared` so `r` fits: a slice of `slice` USD, or only what is
/// missing when a whole slice is no longer there. Whether `r` may now be reserved.
pub async fn draw_for(
    budget: &Budget,
    shared: &dyn SharedBudget,
    r: &Reservation,
    slice: f64,
) -> bool {
    let Some(short) = budget.shortfall(r) else {
        return false;
    };
    if short <= 0.0 {
        return true;
    }
    for amount in [short.max(slice), short] {
        if shared.draw(amount).await {
            budget.raise_cap(amount);
            return true;
        }
    }
    false
}

/// Worst case of one case on a target: every step tried, every validation round used,
/// each request using its full completion budget. A route with no known price reserves
/// nothing: it cannot be bounded, so it is not sent when a budget is set (see
/// [`crate::capability::eligibility`], rule `budget.unknown_price`).
pub fn worst_case(target: &Target, prompt_tokens: u64, rounds: u32) -> Reservation {
    let steps = match target {
        Target::Route(r) => vec![r.clone()],
        Target::Chain { steps, .. } => steps.clone(),
    };
    let per_route: Vec<(String, f64)> = steps
        .iter()
        .map(|r| {
            let p = r.price.unwrap_or(Price::default());
            let one = prompt_tokens as f64 * p.prompt
                + max_tokens(&r.route) as f64 * p.completion
                + p.request;
            (r.name.clone(), one * f64::from(rounds))
        })
        .collect();
    Reservation {
        total: per_route.iter().map(|(_, c)| c).sum(),
        per_route,
    }
}

impl Reservation {
    /// Both reservations as one: held and settled together.
    pub fn plus(mut self, other: Reservation) -> Reservation {
        self.total += other.total;
        for (name, amount) in other.per_route {
            match self.per_route.iter_mut().find(|(n, _)| *n == name) {
                Some((_, a)) => *a += amount,
                None => self.per_route.push((name, amount)),
            }
        }
        self
    }
}

/// Tokens of the judge prompt's own wording, besides the rubric, input and answer.
const JUDGE_PROMPT_OVERHEAD: u64 = 300;

/// Worst case of grading one answer with a dataset's judge checks: each check asks one
/// judge, and which one depends on who served, so the dearest of those it names is
/// reserved; its input is the case's prompt, the rubric and the longest answer the
/// target may give. Judge spend is money too: it is reserved before it is sent.
pub fn judge_worst_case(
    judges: &crate::judge::Judges,
    checks: &[&routeval_core::scorer_spec::JudgeCheck],
    target: &Target,
    prompt_tokens: u64,
) -> Reservation {
    let answer_tokens = match target {
        Target::Route(r) => max_tokens(&r.route),
        Target::Chain { steps, .. } => steps
            .iter()
            .map(|r| max_tokens(&r.route))
            .max()
            .unwrap_or(0),
    };
    let mut reservation = Reservation::default();
    for check in checks {
        let rubric_tokens = check.rubric.len() as u64 / 4 + 1;
        let input = prompt_tokens + answer_tokens + rubric_tokens + JUDGE_PROMPT_OVERHEAD;
        let dearest = check
            .judges
            .iter()
            .filter_map(|name| judges.routes.get(name))
            .map(|j| {
                let p = j.price.unwrap_or(Price::default());
                let one = input as f64 * p.prompt
                    + max_tokens(&j.route) as f64 * p.completion
                    + p.request;
                (j.name.clone(), one)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((name, amount)) = dearest {
            reservation = reservation.plus(Reservation {
                total: amount,
                per_route: vec![(name, amount)],
            });
        }
    }
    reservation
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reservation(total: f64, route: &str) -> Reservation {
        Reservation {
            total,
            per_route: vec![(route.to_string(), total)],
        }
    }

    fn client(
        name: &str,
        model: &str,
        max_tokens: u64,
        price: Price,
    ) -> std::sync::Arc<crate::RouteClient> {
        let endpoint: routeval_core::config::Endpoint =
            toml::from_str("kind = \"openai\"\nbase_url = \"http://127.0.0.1:9/v1\"").unwrap();
        let endpoint = crate::EndpointClient::new("e", &endpoint).unwrap().0;
        let route: routeval_core::config::Route = toml::from_str(&format!(
            "endpoint = \"e\"\nmodel = \"{model}\"\nparams = {{ max_tokens = {max_tokens} }}"
        ))
        .unwrap();
        std::sync::Arc::new(
            crate::RouteClient::new(
                name,
                &route,
                std::sync::Arc::new(endpoint),
                Some(price),
                Default::default(),
            )
            .unwrap(),
        )
    }

    #[test]
    fn judge_requests_are_reserved_on_the_dearest_judge() {
        let per_token = |p: f64| Price {
            prompt: p,
            completion: p,
            request: 0.0,
            ..Price::default()
        };
        let candidate = client("cand", "a/small", 100, per_token(1e-6));
        let cheap = client("cheap", "j/cheap", 50, per_token(1e-6));
        let dear = client("dear", "j/dear", 50, per_token(1e-5));
        let judges = crate::judge::Judges {
            routes: [("cheap".to_string(), cheap), ("dear".to_string(), dear)]
                .into_iter()
                .collect(),
            cache: Default::default(),
        };
        let check: routeval_core::scorer_spec::JudgeCheck =
            toml::from_str("judges = [\"cheap\", \"dear\"]\nrubric = \"Polite.\"").unwrap();
        let target = Target::Route(candidate);
        let r = judge_worst_case(&judges, &[&check], &target, 1_000);
        // Input: the prompt, the longest answer, the rubric and the judge's own wording.
        let input = (1_000 + 100 + 2 + JUDGE_PROMPT_OVERHEAD) as f64;
        let expected = (input + 50.0) * 1e-5;
        assert!(
            (r.total - expected).abs() < 1e-12,
            "{} vs {expected}",
            r.total
        );
        assert_eq!(r.per_route.len(), 1);
        assert_eq!(r.per_route[0].0, "dear");

        let both = worst_case(&target, 1_000, 1).plus(r);
        assert_eq!(
            both.per_route.len(),
            2,
            "the candidate's and the judge's routes"
        );
        let b = Budget::new(
            Some(both.total - 1e-9),
            0.0,
            HashMap::new(),
            &HashMap::new(),
        );
        assert!(
            !b.try_reserve(&both),
            "a case whose grading would pass the budget is not sent"
        );
    }

    #[test]
    fn reservations_stop_before_the_cap() {
        let b = Budget::new(
            Some(1.0),
            0.2,
            HashMap::from([("a".to_string(), Some(0.5))]),
            &HashMap::new(),
        );
        assert!(b.try_reserve(&reservation(0.4, "a")));
        assert!(
            !b.try_reserve(&reservation(0.2, "a")),
            "route cap: 0.4 reserved + 0.2 > 0.5"
        );
        assert!(
            b.try_reserve(&reservation(0.3, "b")),
            "other routes only meet the suite budget"
        );
        assert!(
            !b.try_reserve(&reservation(0.2, "b")),
            "suite: 0.2 spent + 0.7 reserved + 0.2 > 1.0"
        );
        b.settle(&reservation(0.4, "a"), None);
        assert!(b.try_reserve(&reservation(0.2, "b")));
    }
}
