#!/usr/bin/env python3
"""Fits the relevance calibration of search scores (Sources/MemOSRetrieval/RelevanceCalibration.swift).

    memos-bench locomo --windows 4/0 --no-baselines --features .local/relevance-features.jsonl
    scripts/fit-relevance.py .local/relevance-features.jsonl [--fit-conversations 0-4]

Input: one JSON object per search hit, as `memos-bench locomo --features` writes them: the conversation, whether
the search ran in the question's own cube, the hit's cosine (`vector`), its keyword coverage (`coverage`) and
its label (1: the memory holds one of the question's evidence turns). Hits of searches in another conversation's
cube are all negatives.

Fits three logistic models by Newton's method on the conversations given (default the first five): hybrid
(cosine, coverage, cosine × coverage), vector (cosine) and keyword (coverage); prints their coefficients as the
Swift of RelevanceCalibration, and each model's log loss and AUC (hit level) on the fitted and the held-out
conversations. Needs numpy only.
"""
import argparse
import json
import sys

import numpy as np


def load(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    conversation = np.array([r["conversation"] for r in rows])
    vector = np.array([r["vector"] for r in rows], dtype=np.float64)
    coverage = np.array([r["coverage"] for r in rows], dtype=np.float64)
    label = np.array([r["label"] for r in rows], dtype=np.float64)
    return conversation, vector, coverage, label


def design(kind, vector, coverage):
    ones = np.ones_like(vector)
    if kind == "hybrid":
        return np.stack([ones, vector, coverage, vector * coverage], axis=1)
    if kind == "vector":
        return np.stack([ones, vector], axis=1)
    return np.stack([ones, coverage], axis=1)


def fit(x, y, ridge=1e-3, steps=50):
    """Logistic regression by Newton's method with a small ridge penalty (not on the intercept)."""
    w = np.zeros(x.shape[1])
    penalty = np.eye(x.shape[1]) * ridge
    penalty[0, 0] = 0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w)))
        gradient = x.T @ (p - y) + penalty @ w
        hessian = (x.T * (p * (1 - p))) @ x + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w


def log_loss(x, y, w):
    p = np.clip(1 / (1 + np.exp(-(x @ w))), 1e-9, 1 - 1e-9)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def auc(scores, labels):
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    positives = labels == 1
    n_pos, n_neg = positives.sum(), (~positives).sum()
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("features")
    parser.add_argument("--fit-conversations", default="0-4", help="a range of conversation indexes, e.g. 0-4")
    args = parser.parse_args()
    low, high = (int(part) for part in args.fit_conversations.split("-"))
    conversation, vector, coverage, label = load(args.features)
    fitted = (conversation >= low) & (conversation <= high)
    print(f"{len(label)} hits, {int(label.sum())} positive; fitting on conversations {low}-{high} "
          f"({int(fitted.sum())} hits), measuring on the others ({int((~fitted).sum())} hits)", file=sys.stderr)
    swift = {}
    for kind in ("hybrid", "vector", "keyword"):
        x = design(kind, vector, coverage)
        w = fit(x[fitted], label[fitted])
        for name, part in (("fitted", fitted), ("held out", ~fitted)):
            p = 1 / (1 + np.exp(-(x[part] @ w)))
            print(f"{kind:8} {name:9} log loss {log_loss(x[part], label[part], w):.4f}  AUC {auc(p, label[part]):.4f}",
                  file=sys.stderr)
        full = {"hybrid": w, "vector": np.array([w[0], w[1], 0, 0]), "keyword": np.array([w[0], 0, w[1], 0])}[kind]
        if kind == "hybrid":
            full = w
        swift[kind] = full
    for kind, w in swift.items():
        print(f"        {kind}: Model(intercept: {w[0]:.4f}, vector: {w[1]:.4f}, keyword: {w[2]:.4f}, "
              f"both: {w[3]:.4f}),")


if __name__ == "__main__":
    main()
