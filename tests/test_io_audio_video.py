"""Audio and video caption loaders: AudioCaps, Clotho, MSR-VTT (JSON and the 1k-A CSV)."""

from __future__ import annotations

import json
import os

import pytest

from xmwidgets.io import FormatError, load_audiocaps, load_clotho, load_msrvtt

AUDIOCAPS = (
    "audiocap_id,youtube_id,start_time,caption\n"
    "103549,7fmOlUlwoNg,20,Constant rattling noise and sharp vibrations\n"
    "103548,7fmOlUlwoNg,20,A rattling and sharp vibrating\n"
    '91139,r1nicOVtvkQ,130,"A woman talks nearby as water pours, then stops"\n'
)


def _write(path, text):
    path.write_text(text)
    return path


def test_audiocaps(tmp_path):
    path = _write(tmp_path / "test.csv", AUDIOCAPS)
    queries, items, qrels = load_audiocaps(path, tmp_path / "audio")
    assert queries[["query_id", "text", "audio_id"]].values.tolist() == [
        ["103549", "Constant rattling noise and sharp vibrations", "7fmOlUlwoNg"],
        ["103548", "A rattling and sharp vibrating", "7fmOlUlwoNg"],
        ["91139", "A woman talks nearby as water pours, then stops", "r1nicOVtvkQ"],
    ]
    assert items["item_id"].tolist() == ["7fmOlUlwoNg", "r1nicOVtvkQ"]
    assert items["audio"].iloc[0] == os.fspath(tmp_path / "audio" / "7fmOlUlwoNg.wav")
    assert items["start_time"].tolist() == [20, 130]
    assert qrels.values.tolist()[2] == ["91139", "r1nicOVtvkQ", 1]


def test_audiocaps_file_pattern_and_direction(tmp_path):
    path = _write(tmp_path / "test.csv", AUDIOCAPS)
    loaded = load_audiocaps(
        path, file_pattern="Y{youtube_id}_{start_time}.flac", direction="audio_to_text"
    )
    assert loaded.queries["audio"].tolist() == ["Y7fmOlUlwoNg_20.flac", "Yr1nicOVtvkQ_130.flac"]
    assert loaded.qrels.values.tolist()[0] == ["7fmOlUlwoNg", "103549", 1]
    with pytest.raises(ValueError, match="use 'text_to_audio'"):
        load_audiocaps(path, direction="text_to_image")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("1,abc,later,x\n", "line 5: start_time must be whole seconds, got 'later'"),
        ("91139,abc,0,x\n", "line 5: duplicate audiocap_id '91139' (first at line 4)"),
        ("1,r1nicOVtvkQ,30,x\n", "line 5: youtube_id 'r1nicOVtvkQ' has start_time 30 here but 130"),
        ("1,abc\n", "line 5: expected 4 fields"),
        # a fraction was truncated (60.7 read as 60: another clip's file), inf crashed the cast
        ("1,abc,60.7,x\n", "line 5: start_time must be whole seconds, got '60.7'"),
        ("1,abc,-10,x\n", "line 5: start_time must be whole seconds, got '-10'"),
        ("1,abc,inf,x\n", "line 5: start_time must be whole seconds, got 'inf'"),
        ("1,abc,1e999,x\n", "line 5: start_time must be whole seconds, got '1e999'"),
        ("1,abc,1e300,x\n", "line 5: start_time must be whole seconds, got '1e300'"),
    ],
)
def test_malformed_audiocaps(tmp_path, extra, message):
    path = _write(tmp_path / "bad.csv", AUDIOCAPS + extra)
    with pytest.raises(FormatError) as info:
        load_audiocaps(path)
    assert str(info.value).startswith(str(path)) and message in str(info.value)


def test_a_whole_start_time_resaved_as_a_float_names_the_same_file(tmp_path):
    path = _write(tmp_path / "ac.csv", AUDIOCAPS.replace(",130,", ",130.0,"))
    items = load_audiocaps(path, file_pattern="{youtube_id}_{start_time}.wav").items
    assert items["file_name"].tolist() == ["7fmOlUlwoNg_20.wav", "r1nicOVtvkQ_130.wav"]
    assert items["start_time"].tolist() == [20, 130]


CLOTHO = (
    "file_name,caption_1,caption_2,caption_3,caption_4,caption_5\n"
    'Santa Motor.wav,"A machine whines, then squeals.",b2,b3,b4,b5\n'
    "Flipping Coins.wav,c1,c2,c3,c4,c5\n"
)


def test_clotho(tmp_path):
    queries, items, qrels = load_clotho(_write(tmp_path / "eval.csv", CLOTHO), "clips")
    assert items[["item_id", "audio"]].values.tolist() == [
        ["Santa Motor.wav", os.path.join("clips", "Santa Motor.wav")],
        ["Flipping Coins.wav", os.path.join("clips", "Flipping Coins.wav")],
    ]
    assert len(queries) == 10
    assert queries[["query_id", "text"]].values.tolist()[0] == [
        "Santa Motor.wav#1",
        "A machine whines, then squeals.",
    ]
    assert qrels.groupby("item_id").size().to_dict() == {
        "Flipping Coins.wav": 5,
        "Santa Motor.wav": 5,
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("file_name,caption_1,caption_2\n", "line 1: expected a header with columns file_name"),
        (
            CLOTHO + "Flipping Coins.wav,1,2,3,4,5\n",
            "line 4: duplicate file_name 'Flipping Coins.wav'",
        ),
        (CLOTHO + "x.wav,1,2,,4,5\n", "line 4: caption_3 of 'x.wav' is empty"),
        ("", "the file is empty; expected a header file_name,caption_1"),
    ],
)
def test_malformed_clotho(tmp_path, content, message):
    path = _write(tmp_path / "bad.csv", content)
    with pytest.raises(FormatError) as info:
        load_clotho(path)
    assert str(info.value).startswith(str(path)) and message in str(info.value)


MSRVTT = {
    "info": {},
    "videos": [
        {
            "category": 9,
            "url": "u",
            "video_id": "video0",
            "start time": 137.72,
            "split": "train",
            "id": 0,
        },
        {"category": 16, "url": "u", "video_id": "video7010", "split": "test", "id": 7010},
    ],
    "sentences": [
        {"caption": "a car is shown", "video_id": "video0", "sen_id": 0},
        {"caption": "a man is singing", "video_id": "video7010", "sen_id": 180000},
        {"caption": "a man sings", "video_id": "video7010", "sen_id": 180001},
    ],
}


def test_msrvtt_json(tmp_path):
    path = _write(tmp_path / "MSRVTT_data.json", json.dumps(MSRVTT))
    queries, items, qrels = load_msrvtt(path, "videos", split="test")
    assert items[["item_id", "video", "split"]].values.tolist() == [
        ["video7010", os.path.join("videos", "video7010.mp4"), "test"]
    ]
    assert queries["query_id"].tolist() == ["180000", "180001"]
    assert qrels.values.tolist() == [["180000", "video7010", 1], ["180001", "video7010", 1]]
    assert len(load_msrvtt(path).queries) == 3


def test_msrvtt_1ka_csv(tmp_path):
    path = _write(
        tmp_path / "MSRVTT_JSFUSION_test.csv",
        "key,vid_key,video_id,sentence\n"
        "ret0,msr7579,video7579,a girl wearing red top and black trouser is putting a sweater\n"
        "ret1,msr7725,video7725,young people sit around the edges of a room clapping\n",
    )
    loaded = load_msrvtt(path, direction="video_to_text")
    assert loaded.queries[["query_id", "video"]].values.tolist() == [
        ["video7579", "video7579.mp4"],
        ["video7725", "video7725.mp4"],
    ]
    assert loaded.items["item_id"].tolist() == ["ret0", "ret1"]
    assert loaded.qrels.values.tolist() == [["video7579", "ret0", 1], ["video7725", "ret1", 1]]
    with pytest.raises(ValueError, match="1k-A CSV, a test split only"):
        load_msrvtt(path, split="train")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"videos": []}, "$: missing key 'sentences'"),
        ({"videos": {}, "sentences": []}, "$.videos: expected a list of videos, got dict"),
        (
            {**MSRVTT, "sentences": [{"caption": "x", "video_id": "video9", "sen_id": 1}]},
            "$.sentences[0]: video_id 'video9' is not in $.videos",
        ),
        (
            {**MSRVTT, "sentences": [{"caption": "x", "video_id": "video0"}]},
            "$.sentences[0]: missing key 'sen_id'",
        ),
        ({**MSRVTT, "videos": MSRVTT["videos"] * 2}, "$.videos[2]: duplicate video_id 'video0'"),
    ],
)
def test_malformed_msrvtt(tmp_path, data, message):
    path = _write(tmp_path / "msrvtt.json", json.dumps(data))
    with pytest.raises(FormatError) as info:
        load_msrvtt(path)
    assert str(info.value).startswith(str(path)) and message in str(info.value)
