"""Learning: intent rubric fits, the propensity model, evaluation on real data.

scikit-learn and numpy live here and never in ``domain/``; services call in through plain
functions and store what comes out (rubric documents, model bytes, metrics).
"""
