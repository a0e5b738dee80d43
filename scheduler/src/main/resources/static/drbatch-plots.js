/*
 * drbatch status page plots: reads /api/trends for the window in the plots section's data-days and draws each
 * series with uPlot (served from the jar). Every chart is kept in window.drbatchCharts under its element id, so a
 * browser test can count what was drawn. The verdict and tables above never depend on this script.
 */
(function () {
  'use strict';

  var PALETTE = ['#0969da', '#bf3989', '#1a7f37', '#9a6700', '#8250df', '#cf222e', '#116329', '#0550ae'];
  var TARGET_COLOUR = '#b42318';
  window.drbatchCharts = {};

  function seconds(iso) { return Date.parse(iso) / 1000; }

  function groupBy(items, key) {
    var groups = {};
    items.forEach(function (item) {
      var k = key(item);
      (groups[k] = groups[k] || []).push(item);
    });
    return groups;
  }

  /* Series of [time, value] pairs on one x axis: the union of their times, null where a series has no point. */
  function align(series) {
    var times = {};
    series.forEach(function (s) { s.points.forEach(function (p) { times[p[0]] = true; }); });
    var xs = Object.keys(times).map(Number).sort(function (a, b) { return a - b; });
    var index = {};
    xs.forEach(function (x, i) { index[x] = i; });
    var data = [xs];
    series.forEach(function (s) {
      var ys = new Array(xs.length).fill(null);
      s.points.forEach(function (p) { ys[index[p[0]]] = p[1]; });
      data.push(ys);
    });
    return data;
  }

  function scaleFor(max, units) {
    var unit = units[0];
    units.forEach(function (u) { if (max >= u[1]) { unit = u; } });
    return unit;
  }

  var DURATION_UNITS = [['s', 1], ['min', 60], ['h', 3600], ['d', 86400]];
  var BYTE_UNITS = [['B', 1], ['KiB', 1024], ['MiB', 1048576], ['GiB', 1073741824], ['TiB', 1099511627776]];

  /*
   * Draws one chart into the element with the given id: series are {label, points: [[unixSeconds, value]]},
   * targets are drawn as dashed red lines across the window; values are shown in the unit that suits the largest.
   */
  function chart(id, title, series, targets, units, window_) {
    var element = document.getElementById(id);
    if (!element) { return; }
    var drawn = series.filter(function (s) { return s.points.length > 0; });
    if (drawn.length === 0) {
      element.classList.add('empty');
      element.textContent = title + ': nothing in this window.';
      return;
    }
    var max = 0;
    drawn.concat(targets).forEach(function (s) { s.points.forEach(function (p) { max = Math.max(max, p[1]); }); });
    var unit = scaleFor(max, units);
    var lines = drawn.concat(targets.map(function (t) {
      return { label: t.label, points: [[window_.from, t.points[0][1]], [window_.to, t.points[0][1]]], target: true };
    }));
    var data = align(lines).map(function (column, i) {
      return i === 0 ? column : column.map(function (v) { return v === null ? null : v / unit[1]; });
    });
    var options = {
      title: title,
      width: Math.max(320, element.clientWidth),
      height: 240,
      scales: { x: { time: true, range: [window_.from, window_.to] }, y: { range: function (u, lo, hi) { return [0, Math.max(hi, 1) * 1.1]; } } },
      axes: [{}, { label: unit[0], size: 60 }],
      series: [{ label: 'time (local)' }].concat(lines.map(function (s, i) {
        return s.target
          ? { label: s.label, stroke: TARGET_COLOUR, dash: [6, 4], width: 1.5, spanGaps: true, points: { show: false } }
          : { label: s.label, stroke: PALETTE[i % PALETTE.length], width: 2, spanGaps: true,
              points: { show: true, size: 7, fill: PALETTE[i % PALETTE.length] } };
      }))
    };
    element.textContent = '';
    window.drbatchCharts[id] = new uPlot(options, data, element);
  }

  function draw(trends) {
    var window_ = { from: seconds(trends.from), to: seconds(trends.to) };
    var backups = groupBy(trends.backups, function (b) { return b.database + ' ' + b.kind; });
    var backupSeries = function (value) {
      return Object.keys(backups).sort().map(function (name) {
        return { label: name, points: backups[name].filter(function (b) { return value(b) !== null; })
          .map(function (b) { return [seconds(b.at), value(b)]; }) };
      });
    };
    chart('plot-backup-size', 'Stored size of each backup', backupSeries(function (b) {
      return b.storedBytes === null || b.storedBytes === undefined ? null : b.storedBytes;
    }), [], BYTE_UNITS, window_);
    chart('plot-backup-duration', 'Duration of each backup', backupSeries(function (b) {
      return b.durationMillis / 1000;
    }), [], DURATION_UNITS, window_);

    var drills = groupBy(trends.drills, function (d) { return d.database + ' ' + d.kind + ' drill'; });
    var rtoTargets = groupBy(trends.drills, function (d) { return d.kind; });
    chart('plot-rto', 'RTO of each drill', Object.keys(drills).sort().map(function (name) {
      return { label: name, points: drills[name].map(function (d) { return [seconds(d.started), d.rtoMillis / 1000]; }) };
    }), Object.keys(rtoTargets).sort().map(function (kind) {
      var newest = rtoTargets[kind][rtoTargets[kind].length - 1];
      return { label: kind + ' RTO target', points: [[0, newest.rtoTargetMillis / 1000]] };
    }), DURATION_UNITS, window_);

    var lags = groupBy(trends.replication, function (r) { return r.target; });
    chart('plot-replication', 'Replication lag behind the primary', Object.keys(lags).sort().map(function (target) {
      return { label: target, points: lags[target].filter(function (r) { return r.lagMillis !== null; })
        .map(function (r) { return [seconds(r.at), r.lagMillis / 1000]; }) };
    }), [], DURATION_UNITS, window_);

    var ages = groupBy(trends.walArchive, function (a) { return a.database; });
    var sources = Object.keys(ages).sort();
    chart('plot-wal-archive', 'Age of the newest point-in-time restore point (WAL archive lag)',
      sources.map(function (database) {
        return { label: database, points: ages[database].map(function (a) { return [seconds(a.at), a.ageMillis / 1000]; }) };
      }), sources.map(function (database) {
        return { label: database + ' RPO target', points: [[0, ages[database][0].rpoTargetMillis / 1000]] };
      }), DURATION_UNITS, window_);
  }

  function fail(message) {
    var section = document.getElementById('plots');
    var note = document.createElement('p');
    note.className = 'risk';
    note.textContent = 'The plots could not be drawn: ' + message;
    section.appendChild(note);
  }

  document.addEventListener('DOMContentLoaded', function () {
    var section = document.getElementById('plots');
    if (!section || typeof uPlot === 'undefined') { return; }
    fetch('/api/trends?days=' + encodeURIComponent(section.dataset.days), { credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) { throw new Error('/api/trends answered ' + response.status); }
        return response.json();
      })
      .then(function (trends) { draw(trends); section.dataset.drawn = 'true'; })
      .catch(function (error) { fail(error.message); });
  });
}());
