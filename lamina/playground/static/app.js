// The Lamina playground page: controls, drawing, and the link to the Python engine (POST messages, SSE state).
// No library, no build step. Everything numeric comes from the server; the page never trains anything itself.
"use strict";

const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REG_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const DATASETS = {classification: [["circle", "Circle"], ["xor", "Exclusive or"], ["gauss", "Gaussian"], ["spiral", "Spiral"]],
                  regression: [["plane", "Plane"], ["multigauss", "Multi Gaussian"]]};
const CLASS_COLOURS = [[245, 147, 34], [8, 119, 189], [46, 160, 67], [196, 54, 160], [110, 80, 40]];
const NUMERIC = ["noise", "train_ratio", "batch_size", "learning_rate", "regularization_rate", "momentum", "beta1",
                 "beta2", "alpha", "classes", "seed"];
const $ = (id) => document.getElementById(id);

let sessionId = null, events = null, config = null, state = null, points = {train: [], test: []};
let history = [], featureLabels = {}, allFeatures = [], selectedWeight = null;

// ---- talking to the server ----------------------------------------------------------------------------------
async function send(message) {
  const response = await fetch(`/api/session/${sessionId}`, {method: "POST", headers: {"Content-Type": "application/json"},
                                                          body: JSON.stringify(message)});
  const reply = await response.json().catch(() => ({error: `server answered ${response.status}`}));
  if (reply.error) showError(reply.error); else hideError();
  return reply;
}
function showError(text) { $("error").textContent = text; $("error").hidden = false; }
function hideError() { $("error").hidden = true; }
function setConfig(updates) { return send({type: "config", config: updates}); }

async function start() {
  const response = await fetch("/api/session", {method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"});
  const reply = await response.json();
  if (reply.error) { showError(reply.error); return; }
  sessionId = reply.id;
  const fromUrl = configFromUrl();
  if (Object.keys(fromUrl).length) await setConfig(fromUrl);
  events = new EventSource(`/api/events?id=${encodeURIComponent(sessionId)}`);
  events.onmessage = (event) => receive(JSON.parse(event.data));
  events.onerror = () => { if (events.readyState === EventSource.CLOSED) showError("lost the server; reload the page"); };
}

// ---- the URL holds the configuration ---------------------------------------------------------------------------
function configFromUrl() {
  const params = new URLSearchParams(location.hash.slice(1)), out = {};
  for (const [key, value] of params) {
    if (key === "layers") out.layers = value === "" ? [] : value.split(",").map(Number);
    else if (key === "features") out.features = value.split(",").filter(Boolean);
    else if (NUMERIC.includes(key)) out[key] = Number(value);
    else out[key] = value;
  }
  return out;
}
function configToUrl() {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(config)) params.set(key, Array.isArray(value) ? value.join(",") : value);
  history_replace("#" + params.toString());
}
function history_replace(hash) { window.history.replaceState(null, "", hash); }

// ---- receiving state -----------------------------------------------------------------------------------------
function receive(next) {
  if (next.error) { showError(next.error); if (state) { state.playing = false; draw(); } return; }
  if (next.config) {
    config = next.config; featureLabels = next.feature_labels; allFeatures = Object.keys(featureLabels);
    points = {train: next.train, test: next.test}; history = next.history.slice();
    showControls(); configToUrl(); layoutNetwork();
  } else {
    history.push([next.train_loss, next.test_loss]);
    if (history.length > 2000) history.splice(0, history.length - 2000);
  }
  state = Object.assign(state || {}, next);
  draw();
}

function fmt(x) { return x === null || x === undefined ? "NaN" : x.toFixed(3); }

function draw() {
  $("epoch").textContent = String(state.epoch);
  $("train-loss").textContent = fmt(state.train_loss);
  $("test-loss").textContent = fmt(state.test_loss);
  $("play").innerHTML = state.playing ? "&#x275a;&#x275a; Pause" : "&#x25b6; Play";
  $("play").dataset.playing = state.playing ? "true" : "false";
  drawSurface(); drawNeurons(); drawLinks(); drawLossCurve();
  const out = neuronBoxes.length && neuronBoxes[neuronBoxes.length - 1][0];
  if (out && out.canvas) { out.canvas.width = offscreen.width; out.canvas.height = offscreen.height; out.canvas.getContext("2d").drawImage(offscreen, 0, 0); }
}

// ---- heat maps ---------------------------------------------------------------------------------------------
function decode(b64) { const s = atob(b64), out = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i); return out; }
function colour(byte) { // 0 -> orange (-1), 127.5 -> white (0), 255 -> blue (+1)
  const v = byte / 127.5 - 1, [r, g, b] = v < 0 ? [245, 147, 34] : [8, 119, 189], t = Math.abs(v);
  return [255 + (r - 255) * t, 255 + (g - 255) * t, 255 + (b - 255) * t];
}
function paint(canvas, values, classes, discretize) {
  const n = state.grid, ctx = canvas.getContext("2d");
  canvas.width = n; canvas.height = n;
  const image = ctx.createImageData(n, n);
  for (let i = 0; i < n * n; i++) {
    let rgb;
    if (classes) {
      const t = discretize ? 0.8 : (values[i] / 255) * 0.85, c = CLASS_COLOURS[classes[i] % 5];
      rgb = c.map((x) => 255 + (x - 255) * t);
    } else {
      rgb = colour(discretize ? (values[i] >= 128 ? 230 : 25) : values[i]);
    }
    image.data.set([rgb[0], rgb[1], rgb[2], 255], 4 * i);
  }
  ctx.putImageData(image, 0, 0);
}

const offscreen = document.createElement("canvas");
function drawSurface() {
  const canvas = $("surface"), ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
  const s = state.surface, discretize = $("discretize").checked;
  paint(offscreen, decode(s.values), s.classes ? decode(s.classes) : null, discretize);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(offscreen, 0, 0, W, H);
  const multi = config.problem === "classification" && config.classes > 2;
  const draw = (list, stroke) => {
    for (const [x, y, label] of list) {
      const px = (x + 6) / 12 * W, py = (6 - y) / 12 * H;
      let rgb;
      if (multi) rgb = CLASS_COLOURS[label % 5];
      else rgb = colour(Math.max(0, Math.min(255, (Math.max(-1, Math.min(1, label)) + 1) * 127.5)));
      ctx.beginPath(); ctx.arc(px, py, 3, 0, 2 * Math.PI);
      ctx.fillStyle = `rgb(${rgb.map(Math.round).join(",")})`; ctx.fill();
      ctx.lineWidth = 1; ctx.strokeStyle = stroke; ctx.stroke();
    }
  };
  draw(points.train, "#fff");
  if ($("show-test").checked) draw(points.test, "#000");
}

function drawLossCurve() {
  const canvas = $("loss-curve"), ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  const finite = history.flat().filter((v) => v !== null && isFinite(v));
  if (history.length < 2 || !finite.length) return;
  const top = Math.max(...finite) || 1;
  [[0, "#999"], [1, "#000"]].forEach(([k, style]) => {
    ctx.beginPath(); ctx.strokeStyle = style;
    history.forEach((h, i) => {
      const x = i / (history.length - 1) * W, y = H - Math.min(1, (h[k] ?? top) / top) * (H - 2) - 1;
      i ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
    });
    ctx.stroke();
  });
}

// ---- the network ---------------------------------------------------------------------------------------------
const COLUMN = 120, ROW = 52, TOP = 40, LEFT = 70;
let neuronBoxes = []; // [column][row] -> {x, y, canvas}

function layoutNetwork() {
  const net = $("network");
  net.querySelectorAll(".neuron, .layer-head").forEach((e) => e.remove());
  Object.values(linkPaths).forEach((p) => p.remove());
  neuronBoxes = []; linkPaths = {};
  // inputs: every feature, on or off
  const inputs = allFeatures.map((f, row) => {
    const on = config.features.includes(f);
    const box = addNeuron(LEFT, TOP + row * ROW, `feature-${f}`, on ? "input" : "input off", featureLabels[f]);
    box.element.title = `${featureLabels[f]}: click to switch ${on ? "off" : "on"}`;
    box.element.onclick = () => {
      const features = on ? config.features.filter((x) => x !== f) : config.features.concat([f]);
      setConfig({features});
    };
    box.feature = f; box.on = on;
    return box;
  });
  neuronBoxes.push(inputs.filter((b) => b.on));
  config.layers.forEach((size, l) => {
    const x = LEFT + (l + 1) * COLUMN;
    const head = document.createElement("div");
    head.className = "layer-head"; head.style.left = `${x - 10}px`; head.style.top = "0px";
    head.innerHTML = `<button data-testid="add-neuron-${l}">+</button><button data-testid="remove-neuron-${l}">&minus;</button><br>${size} neurons`;
    head.children[0].onclick = () => changeNeurons(l, +1);
    head.children[1].onclick = () => changeNeurons(l, -1);
    net.appendChild(head);
    const column = [];
    for (let j = 0; j < size; j++) {
      const box = addNeuron(x, TOP + j * ROW, `neuron-${l}-${j}`, "hidden-neuron", "");
      box.element.title = "click: its bias and dL/dbias";
      box.element.onclick = () => openBias(l, j);
      column.push(box);
    }
    neuronBoxes.push(column);
  });
  const outX = LEFT + (config.layers.length + 1) * COLUMN;
  const output = addNeuron(outX, TOP + ROW - 6, "output", "output", "");
  neuronBoxes.push([output]);
  net.style.width = `${outX + 40}px`;
  net.style.height = `${TOP + Math.max(allFeatures.length, ...config.layers) * ROW}px`;
  $("layer-count").textContent = config.layers.length;
  drawInputs();
}

function addNeuron(x, y, testid, cls, label) {
  const element = document.createElement("div"), canvas = document.createElement("canvas");
  element.className = `neuron ${cls}`; element.style.left = `${x}px`; element.style.top = `${y}px`;
  element.dataset.testid = testid; element.appendChild(canvas);
  if (label) { const span = document.createElement("span"); span.className = "label"; span.textContent = label; element.appendChild(span); }
  $("network").appendChild(element);
  return {x, y, canvas, element};
}

function changeNeurons(l, delta) {
  const layers = config.layers.slice();
  layers[l] = Math.max(1, Math.min(8, layers[l] + delta));
  setConfig({layers});
}

function drawInputs() {
  const inputs = state && state.inputs;
  if (!inputs) return;
  neuronBoxes[0].forEach((box, i) => paint(box.canvas, decode(inputs[i]), null, false));
}

function drawNeurons() {
  if (state.inputs && neuronBoxes.length) drawInputs();
  state.neurons.forEach((layer, l) => layer.forEach((b64, j) => {
    const box = neuronBoxes[l + 1] && neuronBoxes[l + 1][j];
    if (box) paint(box.canvas, decode(b64), null, false);
  }));
}

let linkPaths = {}; // "l-j-i" -> the SVG path, made once per layout and updated every frame (clicks stay valid)

function drawLinks() {
  const svg = $("links");
  state.weights.forEach((matrix, l) => {
    const from = neuronBoxes[l], to = neuronBoxes[l + 1];
    if (!from || !to) return;
    matrix.forEach((row, j) => row.forEach((w, i) => {
      const a = from[i], b = to[j], key = `${l}-${j}-${i}`;
      if (!a || !b) return;
      let path = linkPaths[key];
      if (!path) {
        path = linkPaths[key] = document.createElementNS("http://www.w3.org/2000/svg", "path");
        const x1 = a.x + 40, y1 = a.y + 20, x2 = b.x, y2 = b.y + 20, mid = (x1 + x2) / 2;
        path.setAttribute("d", `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`);
        path.setAttribute("stroke-opacity", 0.75);
        path.dataset.testid = `weight-${key}`;
        path.appendChild(document.createElementNS("http://www.w3.org/2000/svg", "title"));
        path.onclick = () => openWeight(l, j, i, path.weight);
        svg.appendChild(path);
      }
      path.weight = w;
      path.setAttribute("stroke", w < 0 ? "#f59322" : "#0877bd");
      path.setAttribute("stroke-width", Math.min(8, 0.5 + Math.abs(w) * 2));
      path.firstChild.textContent = `weight ${w.toFixed(3)} (layer ${l + 1}, to ${j}, from ${i}); click to edit and explain`;
    }));
  });
}

let explainCount = 0; // only the latest request's answer is shown
async function explainSelected() {
  const {layer, to, from} = selectedWeight, mine = ++explainCount;
  const reply = from === undefined ? await send({type: "explain_bias", layer, to}) : await send({type: "explain", layer, to, from});
  if (mine === explainCount) $("explain-text").textContent = reply.text || reply.error || "";
}

async function openBias(layer, to) {
  selectedWeight = {layer, to};
  $("weight-panel").hidden = false;
  $("weight-name").textContent = `bias b${layer + 1}[${to}]`;
  $("weight-value").value = state.biases[layer][to].toFixed(4);
  $("explain-text").textContent = "...";
  await explainSelected();
}

async function openWeight(layer, to, from, value) {
  selectedWeight = {layer, to, from};
  $("weight-panel").hidden = false;
  $("weight-name").textContent = `weight W${layer + 1}[${to}, ${from}]`;
  $("weight-value").value = value.toFixed(4);
  $("explain-text").textContent = "...";
  await explainSelected();
}

// ---- controls ------------------------------------------------------------------------------------------------
function fillSelect(select, values) { select.innerHTML = values.map((v) => `<option value="${v}">${v}</option>`).join(""); }

function showControls() {
  const ds = $("dataset");
  const options = DATASETS[config.problem].concat(config.dataset === "csv" ? [["csv", "Uploaded CSV"]] : []);
  ds.innerHTML = options.map(([v, name]) => `<option value="${v}">${name}</option>`).join("");
  for (const id of ["dataset", "activation", "regularization", "problem", "optimizer"]) $(id).value = config[id];
  $("learning_rate").value = String(config.learning_rate);
  $("regularization_rate").value = String(config.regularization_rate);
  for (const id of ["noise", "train_ratio", "batch_size", "momentum", "beta1", "beta2", "alpha"]) $(id).value = config[id];
  for (const id of ["noise", "train_ratio", "batch_size"]) $(`${id}_text`).textContent = config[id];
  $("classes").value = String(config.classes);
  $("classes-label").hidden = !(config.dataset === "spiral" && config.problem === "classification");
  document.querySelectorAll(".opt").forEach((e) => { e.hidden = !e.classList.contains(`opt-${config.optimizer}`); });
}

function wire() {
  fillSelect($("learning_rate"), LEARNING_RATES);
  fillSelect($("regularization_rate"), REG_RATES);
  for (const id of ["dataset", "activation", "regularization", "optimizer"]) $(id).onchange = () => setConfig({[id]: $(id).value});
  $("problem").onchange = () => {
    const problem = $("problem").value;
    setConfig({problem, dataset: DATASETS[problem][0][0]});
  };
  for (const id of ["learning_rate", "regularization_rate", "noise", "train_ratio", "batch_size", "momentum", "beta1",
                    "beta2", "alpha", "classes"]) {
    $(id).onchange = () => setConfig({[id]: Number($(id).value)});
  }
  for (const id of ["noise", "train_ratio", "batch_size"]) $(id).oninput = () => { $(`${id}_text`).textContent = $(id).value; };
  $("play").onclick = () => send({type: state && state.playing ? "pause" : "play"});
  $("step").onclick = () => send({type: "step"});
  $("reset").onclick = () => send({type: "reset"});
  $("regenerate").onclick = () => setConfig({seed: (config.seed + 1) % 2147483647});
  $("add-layer").onclick = () => { if (config.layers.length < 6) setConfig({layers: config.layers.concat([2])}); };
  $("remove-layer").onclick = () => { if (config.layers.length) setConfig({layers: config.layers.slice(0, -1)}); };
  $("show-test").onchange = () => state && drawSurface();
  $("discretize").onchange = () => state && drawSurface();
  $("weight-close").onclick = () => { $("weight-panel").hidden = true; selectedWeight = null; };
  $("weight-value").onchange = async () => {
    if (!selectedWeight || $("weight-value").value.trim() === "" || !isFinite(Number($("weight-value").value))) return;
    const {layer, to, from} = selectedWeight, value = Number($("weight-value").value);
    await send(from === undefined ? {type: "set_bias", layer, to, value} : {type: "set_weight", layer, to, from, value});
    await explainSelected();
  };
  $("csv").onchange = async () => {
    const file = $("csv").files[0];
    if (!file) return;
    if (file.size > 200 * 1024) { showError(`csv: the file may have at most 200 KiB, got ${Math.round(file.size / 1024)} KiB`); return; }
    await send({type: "csv", text: await file.text()});
    $("csv").value = "";
  };
  $("export").onclick = async () => {
    const reply = await send({type: "export"});
    if (!reply.script) return;
    $("export-script").textContent = reply.script; $("export-script").hidden = false;
    const link = $("download");
    link.href = URL.createObjectURL(new Blob([reply.script], {type: "text/x-python"}));
    link.hidden = false;
  };
  window.addEventListener("hashchange", () => { const c = configFromUrl(); if (Object.keys(c).length) setConfig(c); });
}

wire();
start();
