"""The two confidence levels kindbelang reports, each with its one z value (two-sided standard normal quantile).

95% for every interval shown; 99.8% for flags among hundreds of gemeenten, so that few are flagged by chance.
sql/macros.sql gets the same values from here (kindbelang.assets.sql_models.run_macros).
"""

from scipy.stats import norm

Z95 = float(norm.ppf(0.975))    # 1.959964
Z998 = float(norm.ppf(0.999))   # 3.090232
