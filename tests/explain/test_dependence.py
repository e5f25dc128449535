

def test_an_integer_feature_keeps_integer_grid_points():
    import numpy as np
    import pandas as pd

    from autorisk.explain import partial_dependence

    class Linear:
        def predict(self, X, exposure=None):
            return np.exp(0.1 * X["ncd_level"].to_numpy(dtype=float))

    X = pd.DataFrame({"ncd_level": np.tile(np.arange(-4, 6), 20)})
    curve = partial_dependence(Linear(), X, "ncd_level")
    assert curve["value"].tolist() == list(range(-4, 6))
    assert all(isinstance(v, (int, np.integer)) for v in curve["value"])
    np.testing.assert_allclose(curve["rate"], np.exp(0.1 * np.arange(-4, 6)))
