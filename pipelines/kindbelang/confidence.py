"""The two confidence levels kindbelang reports, each with its one z value (two-sided standard normal quantile).

95% for every interval shown; 99.8% for flags among hundreds of gemeenten, so that few are flagged by chance.
sql/macros.sql gets the same values from here (kindbelang.assets.sql_models.run_macros).
"""

# scipy.stats.norm.ppf(0.975) and norm.ppf(0.999), written out: importing scipy costs a second on every run, and
# tests/test_association.py checks these against scipy.
Z95 = 1.959963984540054
Z998 = 3.090232306167813
