"""The iris data shipped in book/data/iris.csv matches the published table.

The file was typed from no one's memory: it is the UCI copy with its two
documented errors corrected. These statistics are the ones printed for
Fisher's table (and by R's ``summary(iris)``), so a damaged or uncorrected
copy fails here rather than silently changing chapter 4.
"""

from pathlib import Path

import numpy as np
import pytest

IRIS = Path(__file__).resolve().parent.parent / "book" / "data" / "iris.csv"


@pytest.fixture(scope="module")
def iris():
    X = np.loadtxt(IRIS, delimiter=",", skiprows=1, usecols=range(4))
    species = np.loadtxt(IRIS, delimiter=",", skiprows=1, usecols=4, dtype=str)
    return X, species


def test_iris_has_150_rows_50_per_species(iris):
    X, species = iris
    assert X.shape == (150, 4)
    names, counts = np.unique(species, return_counts=True)
    assert names.tolist() == ["setosa", "versicolor", "virginica"]
    assert counts.tolist() == [50, 50, 50]


def test_iris_header_names_the_units():
    header = IRIS.read_text().splitlines()[0]
    assert header == "sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm,species"


def test_iris_column_sums_and_means_match_the_published_table(iris):
    X, _ = iris
    # Sums are exact in tenths of a centimetre.
    np.testing.assert_array_equal(np.round(X.sum(axis=0), 1), [876.5, 458.6, 563.7, 179.9])
    np.testing.assert_array_equal(np.round(X.mean(axis=0), 3), [5.843, 3.057, 3.758, 1.199])
    np.testing.assert_array_equal(np.round(X.std(axis=0, ddof=1), 4), [0.8281, 0.4359, 1.7653, 0.7622])
    np.testing.assert_array_equal(X.min(axis=0), [4.3, 2.0, 1.0, 0.1])
    np.testing.assert_array_equal(X.max(axis=0), [7.9, 4.4, 6.9, 2.5])


def test_iris_species_means_match_the_published_table(iris):
    X, species = iris
    expected = {
        "setosa": [5.006, 3.428, 1.462, 0.246],
        "versicolor": [5.936, 2.770, 4.260, 1.326],
        "virginica": [6.588, 2.974, 5.552, 2.026],
    }
    for name, means in expected.items():
        np.testing.assert_array_equal(np.round(X[species == name].mean(axis=0), 3), means)


def test_iris_uci_transcription_errors_are_corrected(iris):
    # The UCI file has 4.9,3.1,1.5,0.1 in rows 35 and 38; Fisher's table has these.
    X, _ = iris
    np.testing.assert_array_equal(X[34], [4.9, 3.1, 1.5, 0.2])
    np.testing.assert_array_equal(X[37], [4.9, 3.6, 1.4, 0.1])
