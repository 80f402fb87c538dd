// The web sample's page: plain JavaScript, no build step. Each classification is one EventSource on /api/classify
// (events: progress, then result or failure); a batch is one EventSource on /api/batch.
'use strict';

const $ = id => document.getElementById(id);

// ---- Which backend -------------------------------------------------------------------------------------------
fetch('api/backend')
  .then(r => r.json())
  .then(b => {
    $('backend').textContent = b.embedded ? `Backend: the embedded fake at ${b.baseAddress}` : `Backend: ${b.baseAddress}`;
    $('partnumber-hint').hidden = !b.embedded; // its FAIL-/REJECT- scripts exist only there
  })
  .catch(() => { $('backend').textContent = 'Backend: unknown'; });

// ---- One classification -----------------------------------------------------------------------------------------
const single = { source: null };

$('classify-form').addEventListener('submit', event => {
  event.preventDefault();
  startClassification();
});
$('cancel').addEventListener('click', () => {
  stopClassification('Cancelled.');
  $('partnumber').focus();
});

function startClassification() {
  stopClassification(null);
  resetSingle();
  const form = $('classify-form');
  const params = new URLSearchParams();
  for (const name of ['partnumber', 'description', 'manufacturer', 'supplier']) {
    const value = form.elements[name].value.trim();
    if (value) params.set(name, value);
  }
  if (!params.has('partnumber')) {
    // The server answers 400 too, but an EventSource cannot read why.
    showSingleError('Partnumber is required.');
    $('partnumber').focus();
    return;
  }

  let ended = false;
  const source = new EventSource('api/classify?' + params);
  single.source = source;
  setRunning(true);
  setProgress(null, 'Connecting…');
  $('progress-panel').hidden = false;

  source.addEventListener('progress', e => {
    const p = JSON.parse(e.data);
    const step = p.current != null && p.total != null ? `Step ${p.current} of ${p.total}` : 'Working';
    const text = p.message ? `${step}: ${p.message}` : step;
    setProgress(p.percent, text);
    const item = document.createElement('li');
    item.textContent = text;
    $('progress-steps').append(item);
  });
  source.addEventListener('result', e => {
    ended = true;
    closeSource();
    const r = JSON.parse(e.data);
    setProgress(100, `Done in ${seconds(r.elapsedMs)}`);
    showResult(r);
  });
  source.addEventListener('failure', e => {
    ended = true;
    closeSource();
    const f = JSON.parse(e.data);
    setProgress(undefined, 'Not classified.');
    showSingleError(`${f.type}: ${f.message}`, f.type);
  });
  source.onerror = () => {
    // EventSource would reconnect and so start a second classification: end here instead.
    if (!ended && single.source === source) {
      closeSource();
      setProgress(undefined, 'Not classified.');
      showSingleError('Lost the connection to the web app before the classification ended.', 'connection');
    }
  };
}

function closeSource() {
  if (single.source) {
    single.source.close();
    single.source = null;
  }
  setRunning(false);
}

function stopClassification(message) {
  const wasRunning = single.source !== null;
  closeSource();
  if (wasRunning && message) setProgress(undefined, message);
}

function setRunning(running) {
  $('classify').disabled = running;
  $('cancel').disabled = !running;
  $('classify-form').setAttribute('aria-busy', String(running));
}

// percent: a number sets the bar, null makes it indeterminate, undefined leaves it as it is.
function setProgress(percent, text) {
  const bar = $('progress');
  if (percent === null) {
    bar.removeAttribute('value');
    $('progress-percent').textContent = '';
  } else if (percent !== undefined) {
    bar.value = percent;
    $('progress-percent').textContent = `${percent} %`;
  }
  $('progress-label').textContent = text;
}

function resetSingle() {
  $('progress-steps').replaceChildren();
  $('result').hidden = true;
  $('result').tBodies[0].replaceChildren();
  $('error').hidden = true;
  $('error').textContent = '';
  $('error').removeAttribute('data-error-type');
}

function showSingleError(text, type) {
  const box = $('error');
  box.textContent = text;
  if (type) box.dataset.errorType = type;
  box.hidden = false;
}

function showResult(r) {
  const rows = [
    ['Partnumber', r.partnumber],
    ['Description', r.description ?? '—'],
    ['Status', r.status],
    ['Task id', r.taskId],
    ['Transport', r.transport ?? '—'],
    ['Elapsed', seconds(r.elapsedMs)],
    ...r.fields.map(f => [f.name, f.value]),
  ];
  const body = $('result').tBodies[0];
  for (const [name, value] of rows) {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = name;
    const td = document.createElement('td');
    td.textContent = value;
    tr.append(th, td);
    body.append(tr);
  }
  $('result').hidden = false;
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(2)} s`;
}

// ---- A batch -------------------------------------------------------------------------------------------------------
const batch = { source: null, rows: [], done: 0, failed: 0 };

$('batch-form').addEventListener('submit', event => {
  event.preventDefault();
  startBatch();
});
$('batch-cancel').addEventListener('click', () => {
  endBatch('cancelled');
  $('batch-partnumbers').focus();
});

function startBatch() {
  endBatch(null);
  const partnumbers = $('batch-partnumbers').value.split(/\r?\n/).map(s => s.trim()).filter(s => s.length > 0);
  const concurrency = $('batch-concurrency').value;
  $('batch-error').hidden = true;
  if (partnumbers.length === 0 || partnumbers.length > 200) {
    showBatchError(partnumbers.length === 0 ? 'Paste at least one partnumber.' : 'At most 200 partnumbers per batch.');
    return;
  }

  const body = $('batch-table').tBodies[0];
  body.replaceChildren();
  batch.rows = partnumbers.map((pn, i) => {
    const tr = document.createElement('tr');
    tr.dataset.status = 'queued';
    const number = cell(String(i + 1));
    const name = cell(pn);
    const bar = document.createElement('progress');
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute('aria-label', `Progress of ${pn}`);
    const progress = cell('');
    progress.append(bar);
    const status = cell('queued');
    const detail = cell('');
    tr.append(number, name, progress, status, detail);
    body.append(tr);
    return { tr, bar, status, detail };
  });
  batch.done = 0;
  batch.failed = 0;
  updateCounts(partnumbers.length);

  const params = new URLSearchParams();
  partnumbers.forEach(pn => params.append('partnumber', pn));
  params.set('concurrency', concurrency);
  let ended = false;
  const source = new EventSource('api/batch?' + params);
  batch.source = source;
  setBatchRunning(true);
  $('batch-state').textContent = '· running';

  source.addEventListener('started', e => {
    const row = batch.rows[JSON.parse(e.data).index];
    setRowStatus(row, 'running');
  });
  source.addEventListener('progress', e => {
    const p = JSON.parse(e.data);
    const row = batch.rows[p.index];
    if (p.progress.percent != null) row.bar.value = p.progress.percent;
    row.detail.textContent = p.progress.message ?? '';
    setRowStatus(row, 'running');
  });
  source.addEventListener('outcome', e => {
    const o = JSON.parse(e.data);
    const row = batch.rows[o.index];
    if (o.succeeded) {
      batch.done++;
      row.bar.value = 100;
      row.detail.textContent = o.description ?? '';
      setRowStatus(row, 'done');
    } else {
      batch.failed++;
      row.detail.textContent = `${o.error.type}: ${o.error.message}`;
      setRowStatus(row, 'failed');
    }
    updateCounts(batch.rows.length);
  });
  source.addEventListener('summary', e => {
    // The server's counts are the batch's own: show those.
    const s = JSON.parse(e.data);
    batch.done = s.done;
    batch.failed = s.failed;
    updateCounts(s.total);
    ended = true;
    endBatch('finished');
  });
  source.onerror = () => {
    if (!ended && batch.source === source) {
      endBatch(null);
      showBatchError('Lost the connection to the web app before the batch ended.');
    }
  };
}

function endBatch(state) {
  if (batch.source) {
    batch.source.close();
    batch.source = null;
    if (state) $('batch-state').textContent = `· ${state}`;
  }
  setBatchRunning(false);
}

function setBatchRunning(running) {
  $('batch-start').disabled = running;
  $('batch-cancel').disabled = !running;
  $('batch-form').setAttribute('aria-busy', String(running));
}

function setRowStatus(row, status) {
  if (row.tr.dataset.status === 'done' || row.tr.dataset.status === 'failed') return;
  row.tr.dataset.status = status;
  row.status.textContent = status;
}

function updateCounts(total) {
  $('batch-done').textContent = String(batch.done);
  $('batch-failed').textContent = String(batch.failed);
  $('batch-total').textContent = String(total);
}

function showBatchError(text) {
  $('batch-error').textContent = text;
  $('batch-error').hidden = false;
}

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}
