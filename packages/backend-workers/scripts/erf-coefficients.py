"""Fits the polynomials of the float32 erf in assembly/math.ts and checks them in float32.

erf(x) = x * P(x^2) for |x| < SPLIT, and 1 - exp(-x^2) * Q(1/x) for SPLIT <= |x| < CLAMP (erf rounds
to 1 in float32 beyond CLAMP). Both are least-squares fits on Chebyshev nodes against Python's
math.erf and math.erfc (float64), printed highest power first for Horner's rule.

Usage: /usr/bin/python3 scripts/erf-coefficients.py
"""
import math

import numpy as np

SPLIT = 1.0
CLAMP = 4.0
P_DEGREE = 7
Q_DEGREE = 11


def chebyshev_nodes(lo, hi, n=4000):
    k = np.arange(n)
    return (lo + hi) / 2 + (hi - lo) / 2 * np.cos(np.pi * (k + 0.5) / n)


def fit(xs, ys, degree):
    series = np.polynomial.Chebyshev.fit(xs, ys, degree)
    return series.convert(kind=np.polynomial.Polynomial).coef[::-1]


def horner32(coefficients, t):
    acc = np.full_like(t, np.float32(coefficients[0]))
    for c in coefficients[1:]:
        acc = (acc * t + np.float32(c)).astype(np.float32)
    return acc


def main():
    x = chebyshev_nodes(0, SPLIT)
    p = fit(x * x, np.array([math.erf(v) / v for v in x]), P_DEGREE)
    x = chebyshev_nodes(SPLIT, CLAMP)
    q = fit(1 / x, np.array([math.erfc(v) * math.exp(v * v) for v in x]), Q_DEGREE)

    test = np.linspace(1e-4, 5, 200001).astype(np.float32)
    inner = np.minimum(test, np.float32(SPLIT))
    near = (inner * horner32(p, (inner * inner).astype(np.float32))).astype(np.float32)
    clamped = np.clip(test, np.float32(SPLIT), np.float32(CLAMP))
    tail = (1 - np.exp(-(clamped * clamped).astype(np.float32)).astype(np.float32) * horner32(q, (1 / clamped).astype(np.float32))).astype(np.float32)
    approx = np.where(test < SPLIT, near, tail)
    exact = np.array([math.erf(float(v)) for v in test])
    relative = np.abs(approx.astype(np.float64) / exact - 1)
    print('P (x^2), highest power first:', ', '.join(repr(float(c)) for c in p))
    print('Q (1/x), highest power first:', ', '.join(repr(float(c)) for c in q))
    print(f'max relative error in float32 over (0, 5]: {relative.max():.3g} ({relative.max() / 2**-24:.1f} half-ulps)')


main()
