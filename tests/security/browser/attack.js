// A page of another origin (a sibling port on the same host, so "same site" to SameSite=Lax
// cookies) tries every Engine.IO handshake path against the app, with the visitor's cookies.
import { io } from "./socket.io.esm.min.js";

const params = new URLSearchParams(location.search);
const target = params.get("target");
const session = params.get("session");
const results = { websocket: {}, fetch: {}, noCors: {}, jsonp: {}, clients: {} };
window.results = results;
const polling = `${target}/socket.io/?EIO=4&transport=polling`;
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function rawWebSocket() {
  const seen = (results.websocket = { opened: false, messages: [], closed: false });
  const ws = new WebSocket(`${target.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
  ws.onopen = () => {
    seen.opened = true;
    ws.send(`40{"session_id":"${session}"}`);
    ws.send('42["resume",{"last_seq":0}]');
  };
  ws.onmessage = (m) => seen.messages.push(String(m.data));
  ws.onclose = () => (seen.closed = true);
  ws.onerror = () => (seen.error = true);
  await wait(2500);
  ws.close();
}

async function corsFetch() {
  try {
    const answer = await fetch(polling, { credentials: "include" });
    results.fetch = { status: answer.status, body: await answer.text() };
  } catch (err) {
    results.fetch = { refused: String(err) };
  }
}

async function opaqueFetch() {
  try {
    const answer = await fetch(polling, { credentials: "include", mode: "no-cors" });
    results.noCors = { type: answer.type, body: await answer.text() };
  } catch (err) {
    results.noCors = { refused: String(err) };
  }
  new Image().src = `${polling}&t=img`; // a plain subresource: cookies, no Origin
}

async function jsonp() {
  window.___eio = [(data) => (results.jsonp.called = data)];
  await new Promise((resolve) => {
    const script = document.createElement("script");
    script.src = `${polling}&j=0`;
    script.onload = () => resolve((results.jsonp.loaded = true));
    script.onerror = () => resolve((results.jsonp.failed = true));
    document.body.append(script);
  });
}

async function socketClient(transports) {
  const seen = (results.clients[transports.join("+")] = { connected: false, events: [] });
  const socket = io(target, { withCredentials: true, transports, reconnection: false, auth: { session_id: session } });
  socket.on("connect", () => {
    seen.connected = true;
    socket.emit("resume", { last_seq: 0 }, (ack) => seen.events.push(["ack", ack]));
  });
  socket.on("connect_error", (err) => (seen.error = String(err && err.message)));
  socket.onAny((name, payload) => seen.events.push([name, payload]));
  await wait(2500);
  socket.close();
}

await Promise.all([rawWebSocket(), corsFetch(), opaqueFetch(), jsonp(), socketClient(["polling"]), socketClient(["websocket"])]);
window.done = true;
