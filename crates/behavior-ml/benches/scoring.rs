//! Criterion benchmarks: scoring one window, and training the global model on 5,000 windows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use behavior_ml::keystroke::KeystrokeWindow;
use behavior_ml::synth::{MouseUser, Typist};
use behavior_ml::{
    score_keystroke, score_mouse, Config, FeatureWindow, GlobalModel, MouseWindow, SessionScorer,
    UserProfiles,
};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn typist_windows(seed: u64, n: usize) -> Vec<KeystrokeWindow> {
    let mut t = Typist::new(seed);
    (0..n)
        .filter_map(|_| KeystrokeWindow::from_events(&t.sentence(9), 10))
        .collect()
}

fn mouse_windows(seed: u64, n: usize) -> Vec<MouseWindow> {
    let mut u = MouseUser::new(seed);
    let mut s = SessionScorer::new(Config::default());
    let mut out = Vec::new();
    for _ in 0..n {
        let mut batch = Vec::new();
        for _ in 0..3 {
            batch.extend(u.movement());
        }
        for w in s.windows_only(&batch, false) {
            if let FeatureWindow::Mouse(m) = w {
                out.push(m);
            }
        }
    }
    out
}

fn bench_scoring(c: &mut Criterion) {
    let cfg = Config::default();
    let users: Vec<Vec<KeystrokeWindow>> = (100..160).map(|s| typist_windows(s, 15)).collect();
    let mice: Vec<(u64, Vec<MouseWindow>)> =
        (0..8u64).map(|s| (s + 1, mouse_windows(s, 300))).collect();
    let global = GlobalModel::train(&users, &mice, &cfg).unwrap();
    let mut p = UserProfiles::for_user(&cfg, 1);
    for w in typist_windows(1, 10) {
        p.keystroke.add(&w);
    }
    for w in &mice[0].1 {
        p.mouse.add(w);
    }
    p.train_mouse_model(&global).unwrap();
    let kw = typist_windows(1, 1).remove(0);
    let mw = mice[1].1[5].clone();
    c.bench_function("score one keystroke window", |b| {
        b.iter(|| score_keystroke(black_box(&p.keystroke), Some(&global), black_box(&kw), &cfg))
    });
    c.bench_function("score one mouse window", |b| {
        b.iter(|| score_mouse(black_box(&p.mouse), Some(&global), black_box(&mw), &cfg))
    });
    let mut t = Typist::new(1);
    let sentence = t.sentence(9);
    c.bench_function("window + score from raw events (one sentence)", |b| {
        b.iter(|| {
            let mut prof = p.clone();
            let mut s = SessionScorer::new(cfg.clone());
            let mut r = s.process(black_box(&sentence), &mut prof, Some(&global));
            // the window closes at the next pause; flush stands in for it
            r.extend(s.flush(&mut prof, Some(&global)));
            assert_eq!(r.len(), 1);
            r
        })
    });
}

fn bench_training(c: &mut Criterion) {
    let cfg = Config::default();
    // 5,000 keystroke windows: 334 users x 15 sentences.
    let users: Vec<Vec<KeystrokeWindow>> = (0..334).map(|s| typist_windows(s, 15)).collect();
    let n: usize = users.iter().map(Vec::len).sum();
    assert!(n >= 5_000, "{n} windows");
    let mut g = c.benchmark_group("global model");
    g.sample_size(10);
    g.bench_function("train on 5,000 keystroke windows", |b| {
        b.iter(|| GlobalModel::train(black_box(&users), &[], &cfg).unwrap())
    });
    // 5,000 mouse windows over 10 users (pair model, population, reference)
    let mice: Vec<(u64, Vec<MouseWindow>)> = (0..10u64)
        .map(|s| (s + 1, mouse_windows(s, 1_100)))
        .collect();
    g.bench_function("train on ~5,000 mouse windows", |b| {
        b.iter(|| GlobalModel::train(&[], black_box(&mice), &cfg).unwrap())
    });
    let mut p = UserProfiles::for_user(&cfg, 1);
    for w in &mice[0].1 {
        p.mouse.add(w);
    }
    let global = GlobalModel::train(&[], &mice, &cfg).unwrap();
    g.bench_function("train one per-user mouse forest", |b| {
        b.iter(|| {
            let mut q = p.clone();
            q.train_mouse_model(&global).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench_scoring, bench_training);
criterion_main!(benches);
