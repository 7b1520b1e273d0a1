"""Learning from outcomes: conversion estimates, off-policy evaluation (numpy), the intent
rubric's fits, the propensity model and its evaluation on real data (scikit-learn).

scikit-learn and numpy live here and never in ``domain/``; services call in through plain
functions and store what comes out (estimates, rubric documents, model bytes, metrics).
"""
