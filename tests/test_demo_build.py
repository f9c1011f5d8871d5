"""The demo-catalog builder: rebuilds the shipped file exactly and refuses unsound rows."""

from mymovielist.demo import build
from mymovielist.services.demo_catalog import default_path


def test_rebuild_is_byte_identical_to_the_shipped_file(tmp_path):
    out = tmp_path / "catalog.jsonl.gz"
    assert build.main(["--out", str(out)]) == 0
    assert out.read_bytes() == default_path().read_bytes()


def vega(**overrides):
    row = {
        "Title": "Test Film", "Release Date": "Jun 12 1998", "MPAA Rating": "R", "Running Time min": 101,
        "Major Genre": "Romantic Comedy", "Creative Type": "Fantasy", "Director": "Some Body",
        "IMDB Rating": 7.1, "IMDB Votes": 1234, "Production Budget": 0, "Worldwide Gross": 5000,
    }
    row.update(overrides)
    return row


def test_a_sound_vega_row_becomes_a_movie():
    report = build.Report()
    record = build.vega_record(vega(), report)
    assert (record.title, record.year, record.provider_score, record.provider_votes) == ("Test Film", 1998, 7.1, 1234)
    assert record.genres == ["Romance", "Comedy", "Fantasy"]
    assert record.details == {"runtime_minutes": 101, "budget": None, "revenue": 5000}
    assert record.credits[0].person.name == "Some Body" and record.credits[0].job == "Director"
    assert not report.problems


def test_unsound_vega_values_are_left_out_and_reported():
    report = build.Report()
    record = build.vega_record(
        vega(**{"Title": 300, "Release Date": "Dec 31 2046", "IMDB Rating": 12.5, "Running Time min": -3}), report
    )
    assert record.title == "300" and record.release_date is None and record.year is None
    assert record.provider_score is None and record.details["runtime_minutes"] is None
    assert len(report.problems) == 3
    assert build.vega_record(vega(Title=None), report) is None
    assert build.vega_record(vega(**{"Release Date": "sometime"}), report).release_date is None


def test_every_external_id_fits_its_column():
    """PostgreSQL enforces varchar(64) on external_ids.value: a long film title must not break the load."""
    from mymovielist.services.demo_catalog import read_records

    assert max(len(ref.value) for r in read_records(default_path()) for ref in r.refs) <= 64
    long_title = "The Assassination of Jesse James by the Coward Robert Ford, and Other Stories"
    assert len(build.vega_id(long_title, 2007)) == 64 and build.vega_id(long_title, 2007) != build.vega_id(long_title, 2008)
