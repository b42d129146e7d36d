"""Great Expectations' own validation of a suite's batches, in a second process (kindbelang.second_process).

Importing GX costs 4-5 s of CPU. `kindbelang run` starts the validator before it loads Dagster, so on two cores GX
is imported beside the planning and the first assets instead of in their way; every check of the run then sends its
batches there. A run started elsewhere (UI, daemon) starts the validator with its resources (quality.py). Without
one (direct invocation, tests, one core) GX runs in this process. One GX context per process.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from typing import Iterator

from kindbelang.second_process import second_process

_validator = None  # the second process, while started
_warmed_up = None  # its import of GX (a Future)


def start() -> bool:
    """Start the validator unless it runs; True when this call started it (stopping it is then the caller's)."""
    global _validator, _warmed_up
    if _validator is not None or (os.cpu_count() or 1) < 2:
        return False
    _validator = second_process()
    _warmed_up = _validator.submit(context)  # import GX and build the context now
    return True


def stop() -> None:
    """End the validator. One still importing GX is ended at once, so a run with nothing to check does not wait
    for the import (it holds no results and writes no files; ProcessPoolExecutor has terminate_workers() only from
    Python 3.14); one that validated shuts down in order, so that what GX set up in it is cleaned up."""
    global _validator
    if _validator is not None:
        if not _warmed_up.done():
            for process in list((_validator._processes or {}).values()):
                process.terminate()
        _validator.shutdown(cancel_futures=True)
        _validator = None


@contextlib.contextmanager
def running() -> Iterator[None]:
    """The validator for the duration of the block; one that already runs is left to whoever started it."""
    started = start()
    try:
        yield
    finally:
        if started:
            stop()


def validate(suite_name: str, asset_name: str, batches: list, params: dict, result_format: dict) -> list[dict]:
    """GX's result (as JSON) of each batch, a pair (pyarrow table, expectations as GX serialises them)."""
    args = (suite_name, asset_name, batches, params, result_format)
    return validate_here(*args) if _validator is None else _validator.submit(validate_here, *args).result()


@functools.cache
def context():
    import great_expectations as gx

    # GX logs a line for every context it creates (and sets its levels on import).
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ephemeral = gx.get_context(mode="ephemeral")
    ephemeral.variables.progress_bars = ProgressBarsConfig(globally=False)  # keep run logs readable
    ephemeral.data_sources.add_pandas("warehouse")
    return ephemeral


def validate_here(suite_name: str, asset_name: str, batches: list, params: dict, result_format: dict) -> list[dict]:
    import great_expectations as gx

    datasource = context().data_sources.get("warehouse")
    try:
        data_asset = datasource.get_asset(asset_name)
    except LookupError:
        data_asset = datasource.add_dataframe_asset(asset_name)
        data_asset.add_batch_definition_whole_dataframe("whole")
    whole = data_asset.get_batch_definition("whole")
    return [whole.get_batch(batch_parameters={"dataframe": _pandas(table)}).validate(
        gx.ExpectationSuite(name=suite_name, expectations=expectations), expectation_parameters=params,
        result_format=result_format).to_json_dict() for table, expectations in batches]


def _pandas(table):
    import pandas as pd
    import pyarrow as pa

    # Nullable integers stay integers (Arrow -> pandas would turn an int column with NULLs into float).
    mapping = {pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int32Dtype(), pa.int16(): pd.Int16Dtype()}
    return table.to_pandas(types_mapper=mapping.get)
