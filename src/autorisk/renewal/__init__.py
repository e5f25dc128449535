"""Renewal pricing: experience update (NCD / bonus-malus ladders), re-scoring with capping and fairness rules, mid-term changes."""
