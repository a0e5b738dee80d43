package io.drbatch.pg;

/**
 * The number of rows of one table, as seen in one snapshot. Names are unquoted, exactly
 * as in the catalog.
 */
public record TableRowCount(String schema, String table, long rows) {

}
