"""Inputs a database would refuse are 422s naming the field: NUL characters, out-of-range integers."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import Depends, FastAPI, File, Form, Request, UploadFile

from sanwei_kit.http import install_error_handlers
from sanwei_kit.inputs import INT32_MAX, INT64_MAX, Offset, RowId, Seq, refuse_unstorable_text
from sanwei_kit.testing import anonymous_client

pytestmark = pytest.mark.unit


def _app() -> FastAPI:
    app = FastAPI(dependencies=[Depends(refuse_unstorable_text)])
    install_error_handlers(app)

    @app.post("/notes")
    async def notes(body: dict[str, list[str] | str]) -> dict[str, int]:
        return {"keys": len(body)}

    @app.get("/things/{name}")
    async def thing(name: str, offset: Offset = 0, after: Seq = 0) -> dict[str, int | str]:
        return {"name": name, "offset": offset, "after": after}

    @app.post("/rows/{row_id}")
    async def row(row_id: RowId) -> dict[str, int]:
        return {"row": row_id}

    @app.post("/upload")
    async def upload(file: Annotated[UploadFile, File()], title: Annotated[str, Form()]) -> dict[str, int]:
        return {"bytes": len(await file.read())}

    @app.post("/raw")
    async def raw(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    return app


async def test_a_nul_in_a_json_string_is_refused_naming_the_field():
    async with anonymous_client(_app()) as client:
        response = await client.post("/notes", json={"title": "ok", "lines": ["fine", "bad\x00line"]})
    assert response.status_code == 422
    assert response.json()["detail"]["field"] == "body.lines.1"
    assert "NUL" in response.json()["detail"]["reason"]


async def test_a_nul_in_a_json_key_is_refused():
    async with anonymous_client(_app()) as client:
        response = await client.post("/notes", json={"ti\x00tle": "x"})
    assert response.status_code == 422
    assert response.json()["detail"]["field"] == "body.title"


async def test_an_escaped_backslash_before_u0000_is_plain_text():
    async with anonymous_client(_app()) as client:
        # The JSON text "\\u0000" is a backslash followed by "u0000": no NUL character.
        response = await client.post("/notes", content=b'{"title": "C:\\\\u0000"}',
                                     headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text


async def test_a_nul_in_the_query_or_the_path_is_refused():
    async with anonymous_client(_app()) as client:
        query = await client.get("/things/a", params={"offset": "1", "q": "x\x00"})
        path = await client.get("/things/a%00b")
        fine = await client.get("/things/a", params={"offset": "3"})
    assert query.status_code == 422 and query.json()["detail"]["field"] == "query.q"
    assert path.status_code == 422 and path.json()["detail"]["field"] == "path"
    assert fine.json() == {"name": "a", "offset": 3, "after": 0}


async def test_a_nul_in_a_form_field_is_refused_but_file_bytes_are_the_files():
    async with anonymous_client(_app()) as client:
        bad = await client.post("/upload", files={"file": ("a.xlsx", b"PK\x00\x01")}, data={"title": "t\x00"})
        good = await client.post("/upload", files={"file": ("a.xlsx", b"PK\x00\x01")}, data={"title": "t"})
    assert bad.status_code == 422 and bad.json()["detail"]["field"] == "body.title"
    assert good.status_code == 200 and good.json() == {"bytes": 4}


async def test_a_body_that_is_not_json_is_left_to_the_route():
    async with anonymous_client(_app()) as client:
        response = await client.post("/raw", content=b"\\u0000 not json")
    assert response.status_code == 200


@pytest.mark.parametrize(("url", "status"), [
    (f"/things/a?offset={INT32_MAX}", 200),
    (f"/things/a?offset={INT32_MAX + 1}", 422),
    ("/things/a?offset=295117976378993352376320", 422),
    (f"/things/a?after={INT64_MAX}", 200),
    (f"/things/a?after={INT64_MAX + 1}", 422),
])
async def test_page_offsets_and_cursors_stay_within_database_integers(url, status):
    async with anonymous_client(_app()) as client:
        assert (await client.get(url)).status_code == status


async def test_a_row_id_beyond_64_bits_is_refused():
    async with anonymous_client(_app()) as client:
        assert (await client.post(f"/rows/{INT64_MAX}")).status_code == 200
        assert (await client.post(f"/rows/{INT64_MAX + 1}")).status_code == 422
        assert (await client.post("/rows/0")).status_code == 422


async def test_an_unpaired_surrogate_is_refused_but_a_pair_is_a_character():
    async with anonymous_client(_app()) as client:
        lone = await client.post("/notes", content=b'{"title": "t\\ud800", "lines": []}',
                                 headers={"content-type": "application/json"})
        pair = await client.post("/notes", content=b'{"title": "\\ud83d\\ude00", "lines": []}',
                                 headers={"content-type": "application/json"})
    assert lone.status_code == 422 and lone.json()["detail"]["field"] == "body.title"
    assert pair.status_code == 200, pair.text
