"""Bounded title pages (issue 18.3): crew grouped by person, long sections folded behind "Show all N"."""

import re

from mymovielist.sync.records import CreditRecord, EpisodeRecord, ExternalRef, PersonRecord


def person(n: int) -> PersonRecord:
    return PersonRecord(f"Person {n}", ExternalRef("test", "person", str(n)))


def section(body: str, heading_id: str) -> str:
    start = body.index(f'id="{heading_id}"')
    return body[start:body.index("</section>", start)]


def test_a_crew_member_with_several_jobs_is_one_row_with_every_job(client, make_title):
    jobs = ["Director", "Script", "Storyboard", "Episode Director"]
    credits = [CreditRecord(person(1), "crew", job=job, order=i) for i, job in enumerate(jobs)]
    credits.append(CreditRecord(person(2), "crew", job="Music", order=9))
    title_id = make_title("anime", "Many Hats", credits=credits)
    crew = section(client.get(f"/titles/{title_id}").get_data(as_text=True), "crew-heading")
    assert crew.count(">Person 1<") == 1 and crew.count(">Person 2<") == 1
    assert "Director, Script, Storyboard, Episode Director" in crew and "Music" in crew


def test_a_voice_actor_with_two_characters_is_one_cast_row(client, make_title):
    credits = [CreditRecord(person(1), "cast", character="Spike", order=0),
               CreditRecord(person(1), "cast", character="Narrator", order=1)]
    body = client.get(f"/titles/{make_title('anime', 'Two Roles', credits=credits)}").get_data(as_text=True)
    cast = section(body, "cast-heading")
    assert cast.count(">Person 1<") == 1 and "as Spike, Narrator" in cast


def test_long_sections_show_their_start_and_every_item_behind_show_all(client, make_title):
    credits = [CreditRecord(person(n), "cast", character=f"Role {n}", order=n) for n in range(40)]
    credits += [CreditRecord(person(100 + n), "crew", job=job, order=n)
                for n in range(15) for job in ("Key Animation", "In-Between")]
    episodes = [EpisodeRecord(number=n, name=f"Session {n}") for n in range(1, 27)]
    title_id = make_title("anime", "Long One", credits=credits, episodes=episodes)
    body = client.get(f"/titles/{title_id}").get_data(as_text=True)
    cast = section(body, "cast-heading")
    shown, folded = cast.split('<details class="show-all">')
    assert shown.count("<li>") == 12 and ">Person 11<" in shown and ">Person 12<" not in shown
    assert "<summary>Show all 40 cast members</summary>" in folded and ">Person 39<" in folded  # all there without JS
    crew = section(body, "crew-heading")
    assert "Show all 15 crew members" in crew and crew.count("Key Animation, In-Between") == 15
    episodes_html = section(body, "episodes-heading")
    assert "Show all 26 episodes" in episodes_html
    # every episode once, in order (the per-viewer list of the errors branch numbers each once)
    assert re.findall(r'<span class="ep-number">#(\d+)</span>', episodes_html) == [str(n) for n in range(1, 27)]


def test_a_short_section_has_no_show_all(client, make_title):
    credits = [CreditRecord(person(n), "cast", character=f"Role {n}", order=n) for n in range(3)]
    body = client.get(f"/titles/{make_title('movie', 'Short', credits=credits)}").get_data(as_text=True)
    assert "show-all" not in section(body, "cast-heading")


def test_a_long_watch_log_shows_the_latest_five_and_the_rest_behind_show_all(client, make_title, make_user, auth):
    make_user("logger")
    auth.login("logger")
    title_id = make_title("anime", "Logged", episodes=[EpisodeRecord(number=n) for n in range(1, 13)])
    for n in range(1, 9):
        assert client.post(f"/titles/{title_id}/watches", data={"watched_on": "2024-03-01", "number": str(n)}).status_code < 400
    body = client.get(f"/titles/{title_id}").get_data(as_text=True)
    log = body[body.index('class="watch-log"'):body.index("</details>", body.index('class="show-all"', body.index('class="watch-log"')))]
    shown, folded = log.split('<details class="show-all">')
    assert '<ol class="events" reversed start="8">' in shown and shown.count("<li>") == 5
    assert "Episode 8" in shown and "Episode 4" in shown and "Episode 3" not in shown  # newest first
    assert "Show all 8 watches" in folded and '<ol class="events" reversed start="3">' in folded
    assert folded.count("<li>") == 3 and "Episode 1" in folded
