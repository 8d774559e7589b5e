//! `okscim load` against the reference server: it converges to exactly Okta's state, in both
//! app kinds, and every membership and deactivation fault that applies to the flows it drives
//! leaves the server unconverged (or fails Okta's tasks).

use okscim::load::{LoadPlan, LoadReport};
use okscim::okta::{AppKind, OktaOptions};
use okscim::target::{Target, TargetOptions, TargetSpec};
use okscim_reference_server::Fault;

async fn load(app: AppKind, faults: &[Fault]) -> LoadReport {
    let target = Target::open(
        TargetSpec::Embedded {
            faults: faults.iter().copied().collect(),
            variants: Default::default(),
        },
        &TargetOptions::default(),
    )
    .await
    .expect("the embedded target");
    let connection = target.connect().await.expect("a connection");
    let plan = LoadPlan {
        users: 130,
        groups: 6,
        members_per_group: 12,
        concurrency: 4,
        app,
        okta: OktaOptions::default(),
        run: okscim::runner::run_token(),
    };
    let mut phases = Vec::new();
    let report = okscim::load::run(&plan, &connection.client, &target.label, &mut |e| {
        if let okscim::load::LoadEvent::PhaseFinished(p) = e {
            phases.push(p.name.clone());
        }
    })
    .await;
    connection.close().await;
    assert_eq!(
        phases,
        [
            "assign",
            "push",
            "update",
            "membership",
            "deactivate",
            "read-back"
        ]
    );
    report
}

#[rstest::rstest]
#[case::oin(AppKind::Oin)]
#[case::aiw(AppKind::Aiw)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_converges_against_the_reference_server(#[case] app: AppKind) {
    let r = load(app, &[]).await;
    assert!(r.passed(), "{}", okscim::cli::render_load(&r));
    assert_eq!(r.convergence.users_expected, 130);
    assert_eq!(r.convergence.groups_expected, 6);
    assert_eq!(r.total.failed_tasks, 0);
    // Okta's requests: a lookup and a create per user; reads over two pages of users.
    let kind = |k: &str| {
        r.total
            .kinds
            .iter()
            .find(|x| x.kind == k)
            .map(|x| x.requests)
    };
    assert_eq!(kind("find-user"), Some(130));
    assert_eq!(kind("create-user"), Some(130));
    assert!(kind("read-back").is_some_and(|n| n >= 3));
    let json = serde_json::to_value(&r).expect("the report is data");
    assert_eq!(json["format"], "okscim-load/1");
    assert!(json["total"]["kinds"][0]["p99_ms"].is_number());
}

/// Each fault that touches what a load drives (group membership, deactivation) is seen.
#[rstest::rstest]
#[case::add_members_replaces(Fault::AddMembersReplaces, AppKind::Oin)]
#[case::member_filter_remove_ignored(Fault::MemberFilterRemoveIgnored, AppKind::Oin)]
#[case::member_filter_remove_wipes(Fault::MemberFilterRemoveWipes, AppKind::Oin)]
#[case::membership_lost_update(Fault::MembershipLostUpdate, AppKind::Oin)]
#[case::member_requires_type_oin(Fault::MemberRequiresType, AppKind::Oin)]
#[case::member_requires_type_aiw(Fault::MemberRequiresType, AppKind::Aiw)]
#[case::patch_pathless_ignored(Fault::PatchPathlessIgnored, AppKind::Oin)]
#[case::delete_on_deactivate_oin(Fault::DeleteOnDeactivate, AppKind::Oin)]
#[case::delete_on_deactivate_aiw(Fault::DeleteOnDeactivate, AppKind::Aiw)]
#[case::deactivated_users_hidden_oin(Fault::DeactivatedUsersHidden, AppKind::Oin)]
#[case::deactivated_users_hidden_aiw(Fault::DeactivatedUsersHidden, AppKind::Aiw)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_detects_each_membership_and_deactivation_fault(
    #[case] fault: Fault,
    #[case] app: AppKind,
) {
    let r = load(app, &[fault]).await;
    assert!(!r.passed(), "{fault} under {app:?} went unseen");
}
