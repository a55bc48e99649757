"""The partition operations of CatalogService: create, get, list with Glue's Expression and
Segment, update and delete, one at a time or in batches.

GetPartitions filters on the server (model/partition_filter.py): the store's rows are read
in chunks and only matching partitions are returned, so a filtered page may be short, or
empty with a NextToken, as Glue's are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from gluerun.clock import Clock
from gluerun.errors import AlreadyExists, InvalidInput, PartitionNotFound
from gluerun.model import catalog
from gluerun.model.catalog import BatchError, Doc
from gluerun.model.partition_filter import compile_filter
from gluerun.paging import decode_token, encode_token, scan
from gluerun.store.catalog import CatalogStore, StoredPartition

#: GetPartitions page size when the caller sets none
DEFAULT_PARTITION_PAGE = 1000


#: How partitions find their table: CatalogService.get_table (raises TableNotFound).
TableLookup = Callable[[str, str], Doc]


class PartitionService:
    """CreatePartition ... BatchDeletePartition: the partitions of a table."""

    def __init__(
        self, catalog: CatalogStore, clock: Clock, account_id: str, get_table: TableLookup
    ) -> None:
        self.catalog = catalog
        self.clock = clock
        self.account_id = account_id
        self.get_table = get_table

    def create_partition(self, database: str, table: str, given: Mapping[str, Any]) -> None:
        errors = self.batch_create_partition(database, table, [given])
        if errors:
            raise errors[0].error

    def batch_create_partition(
        self, database: str, table: str, inputs: Sequence[Mapping[str, Any]]
    ) -> list[BatchError]:
        current = self.get_table(database, table)
        now = self.clock.now()
        errors: list[BatchError] = []
        docs: list[tuple[Sequence[str], Doc]] = []
        for given in inputs:
            try:
                doc = catalog.partition_doc(given, current, self.account_id, now)
            except InvalidInput as exc:
                errors.append(BatchError(given.get("Values"), exc))
                continue
            docs.append((doc["Values"], doc))
        existing = self.catalog.create_partitions(current["DatabaseName"], current["Name"], docs)
        errors.extend(
            BatchError(list(values), AlreadyExists("Partition already exists."))
            for values in existing
        )
        return errors

    def get_partition(self, database: str, table: str, values: Sequence[str]) -> Doc:
        current = self.get_table(database, table)
        found = self.catalog.get_partition(current["DatabaseName"], current["Name"], values)
        if found is None:
            raise PartitionNotFound(values)
        return found

    def get_partitions(
        self,
        database: str,
        table: str,
        expression: str | None = None,
        next_token: str | None = None,
        max_results: int | None = None,
        segment: Mapping[str, int] | None = None,
        exclude_column_schema: bool = False,
    ) -> tuple[list[Doc], str | None]:
        current = self.get_table(database, table)
        db, name = current["DatabaseName"], current["Name"]
        test = compile_filter(expression or "", catalog.partition_keys(current))
        slice_ = _segment(segment)
        cursor = decode_token(next_token, "partition")
        try:
            after = int(cursor) if cursor is not None else None
        except ValueError:
            raise InvalidInput(f"Invalid NextToken: {next_token!r}") from None

        def keep(row: StoredPartition) -> bool:
            return test is None or test(row.values)

        rows, last = scan(
            lambda position, size: self.catalog.list_partitions(db, name, position, size, slice_),
            lambda row: row.seq,
            keep,
            after,
            max_results or DEFAULT_PARTITION_PAGE,
        )
        docs = [catalog.without_columns(r.doc) if exclude_column_schema else r.doc for r in rows]
        return docs, encode_token(f"partition:{last}") if last is not None else None

    def batch_get_partition(
        self, database: str, table: str, wanted: Sequence[Sequence[str]]
    ) -> list[Doc]:
        """The partitions that exist; missing ones are left out, as Glue does."""
        current = self.get_table(database, table)
        found = []
        for values in wanted:
            doc = self.catalog.get_partition(current["DatabaseName"], current["Name"], values)
            if doc is not None:
                found.append(doc)
        return found

    def update_partition(
        self,
        database: str,
        table: str,
        values: Sequence[str],
        given: Mapping[str, Any],
    ) -> None:
        error = self._update_one(database, table, values, given)
        if error is not None:
            raise error.error

    def batch_update_partition(
        self, database: str, table: str, entries: Sequence[Mapping[str, Any]]
    ) -> list[BatchError]:
        self.get_table(database, table)
        errors = []
        for entry in entries:
            values = entry["PartitionValueList"]
            error = self._update_one(database, table, values, entry["PartitionInput"])
            if error is not None:
                errors.append(error)
        return errors

    def _update_one(
        self,
        database: str,
        table: str,
        values: Sequence[str],
        given: Mapping[str, Any],
    ) -> BatchError | None:
        current = self.get_table(database, table)
        db, name = current["DatabaseName"], current["Name"]
        old = self.catalog.get_partition(db, name, values)
        if old is None:
            return BatchError(list(values), PartitionNotFound(values))
        if given.get("Values") and list(given["Values"]) != list(values):
            # "The Values property can't be changed": delete and recreate instead
            return BatchError(
                list(values),
                InvalidInput(
                    "The Values of a partition cannot be changed; delete and recreate it."
                ),
            )
        doc = catalog.partition_doc(
            {**given, "Values": list(values)}, current, self.account_id, old["CreationTime"]
        )
        if not self.catalog.replace_partition(db, name, values, doc):
            return BatchError(list(values), PartitionNotFound(values))
        return None

    def delete_partition(self, database: str, table: str, values: Sequence[str]) -> None:
        if self.batch_delete_partition(database, table, [values]):
            raise PartitionNotFound(values)

    def batch_delete_partition(
        self, database: str, table: str, wanted: Sequence[Sequence[str]]
    ) -> list[BatchError]:
        current = self.get_table(database, table)
        missing = self.catalog.delete_partitions(current["DatabaseName"], current["Name"], wanted)
        return [BatchError(list(values), PartitionNotFound(values)) for values in missing]


def _segment(segment: Mapping[str, int] | None) -> tuple[int, int] | None:
    if not segment:
        return None
    number, total = int(segment["SegmentNumber"]), int(segment["TotalSegments"])
    if number >= total:
        raise InvalidInput(
            f"Segment.SegmentNumber {number} must be less than Segment.TotalSegments {total}."
        )
    return (number, total) if total > 1 else None
