/// The status page at `GET /`, for the sighted helper who sets the glasses up: the newest
/// annotated frame of each device (`/frame.jpg?device=IP`, polled), its cue log, frame rate,
/// reconnects and drops, and the IMU's head pose, all from `/status.json`. Self-contained:
/// no CDN, no external script or font.
enum StatusPage {
    static let html = """
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>WayCue glasses</title>
<style>
body{font:14px system-ui,sans-serif;margin:1em;background:#111;color:#eee}
h1{font-size:1.3em}h2{font-size:1.1em;margin:.2em 0}
.dev{border:1px solid #444;border-radius:6px;padding:.6em;margin:.6em 0;display:flex;gap:1em;flex-wrap:wrap}
img{width:480px;max-width:100%;background:#222;border-radius:4px}
table{border-collapse:collapse}td{padding:1px 8px 1px 0;vertical-align:top}
.log{font-family:monospace;font-size:12px;max-height:320px;overflow:auto;min-width:320px}
.held{color:#888}.hi{color:#f96}.ok{color:#7d7}.bad{color:#f66}
</style></head><body>
<h1>WayCue glasses</h1>
<div id="summary">loading&hellip;</div>
<div id="devices"></div>
<script>
"use strict";
function el(tag, attrs, text){const e=document.createElement(tag);for(const k in attrs||{})e.setAttribute(k,attrs[k]);if(text!==undefined)e.textContent=text;return e;}
function ms(v){return v==null?"-":v.toFixed(0)+" ms";}
function row(t,k,v,cls){const r=el("tr");r.appendChild(el("td",{},k));const c=el("td",cls?{class:cls}:{},String(v));r.appendChild(c);t.appendChild(r);}
const frames={};
async function refresh(){
  let s;
  try{s=await (await fetch("/status.json",{cache:"no-store"})).json();}catch(e){document.getElementById("summary").textContent="server unreachable";return;}
  document.getElementById("summary").textContent="up "+s.uptimeSeconds.toFixed(0)+" s, speech: "+s.speech+", stream "+s.streamSampleRate+" Hz, IMU datagrams "+s.imuGood+" good / "+s.imuBad+" bad, devices: "+s.devices.length;
  const box=document.getElementById("devices");
  for(const d of s.devices){
    let div=document.getElementById("d-"+d.id);
    if(!div){div=el("div",{class:"dev",id:"d-"+d.id});const img=el("img",{alt:"newest frame of "+d.id});div.appendChild(img);div.appendChild(el("table"));div.appendChild(el("div",{class:"log"}));box.appendChild(div);frames[d.id]=img;}
    const t=div.querySelector("table");t.textContent="";
    row(t,"device",d.id);
    row(t,"camera",(d.cameraConnected?"connected":"not connected")+", "+d.cameraConnections+" connections, "+d.cameraReplaced+" replaced, "+d.counters.cameraTimeouts+" timed out",d.cameraConnected?"ok":"bad");
    row(t,"microphone",(d.microphoneConnected?"connected":"not connected")+", "+d.counters.micFrames+" frames, "+d.counters.micTimeouts+" timed out",d.microphoneConnected?"ok":"bad");
    row(t,"speaker",(d.streamConnected?"streaming":"not streaming")+", "+d.streamConnections+" requests, "+d.counters.streamChunks+" chunks, "+d.counters.streamLateChunks+" late, "+d.counters.streamStalls+" stalled (reader stopped reading)",d.streamConnected?"ok":"bad");
    row(t,"frames/s",d.fps.toFixed(1));
    row(t,"frames",d.framesProcessed+" processed, "+d.framesDropped+" dropped, refused "+JSON.stringify(d.framesRefused));
    row(t,"frame to cue",ms(d.frameToCueMedianMS)+" median, "+ms(d.frameToCueP95MS)+" p95");
    row(t,"cue to sound",ms(d.cueToSoundMedianMS)+", to speech "+ms(d.cueToSpeechMedianMS));
    row(t,"head",(d.imuSamples?("yaw rate "+d.headYawRate.toFixed(0)+" deg/s, roll "+d.headRoll.toFixed(0)+", pitch "+d.headPitch.toFixed(0)+", "+d.imuRateHz.toFixed(0)+" Hz"):"no IMU data"));
    row(t,"cues held back (head turning)",d.counters.cuesHeldBack);
    if(d.pipelineProblem)row(t,"problem",d.pipelineProblem,"bad");
    const log=div.querySelector(".log");log.textContent="";
    for(const c of d.cues.slice().reverse()){const line=el("div",{class:c.heldBack?"held":(c.priority>=85?"hi":"")},c.t.toFixed(1)+" s  "+c.kind+"  "+c.text+(c.heldBack?"  (held back)":""));log.appendChild(line);}
    frames[d.id].src="/frame.jpg?device="+encodeURIComponent(d.id)+"&t="+Date.now();
  }
}
refresh();setInterval(refresh,1000);
</script></body></html>
"""
}
