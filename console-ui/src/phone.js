// The browser phone: call the live flow, press keys, type or speak, hear recordings or speech synthesis,
// read the transcript, and watch the call's path lit on the drawing.
import { api, el, say } from "./api.js";
import { lightPath } from "./flow.js";

const Recognition = window.SpeechRecognition ?? window.webkitSpeechRecognition;

export class Phone {
  constructor(flow) {
    this.flow = flow;
    this.call = null;
    this.waiting = null;
    this.keys = "";
    this.path = [];
    this.node = null;
    this.queue = Promise.resolve();
    this.$ = (id) => document.getElementById(id);
    this.$("call-start").addEventListener("click", () => this.start());
    this.$("call-end").addEventListener("click", () => this.hangUp());
    this.$("call-silence").addEventListener("click", () => this.send({}, "(silence)"));
    this.$("say-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const words = this.$("say-words").value.trim();
      if (words) this.send({ speech: words }, `You said: ${words}`);
      this.$("say-words").value = "";
    });
    for (const button of document.querySelectorAll(".keypad .key")) {
      button.addEventListener("click", () => this.press(button.dataset.key));
    }
    // While the call is being transferred, the operator says how the transfer ends, as Twilio would.
    for (const button of document.querySelectorAll("#transfer-ends button")) {
      button.addEventListener("click", () => this.send({ transfer: button.dataset.transfer }, `(the transfer: ${button.textContent.toLowerCase()})`));
    }
    if (Recognition) {
      this.$("say-speak").hidden = false;
      this.$("say-speak").addEventListener("click", () => this.listen());
    }
    // A new flow version lists its languages again; the language the operator chose stays chosen.
    flow.onChange((data) => {
      const chosen = this.$("call-language").value;
      this.$("call-language").replaceChildren(
        ...Object.entries(data.languages).map(([code, name]) =>
          el("option", { value: code, lang: code, selected: code === chosen }, name),
        ),
      );
      this.draw();
    });
  }

  show() {
    this.draw();
  }

  draw() {
    const container = this.$("phone-drawing");
    this.flow.render(container, (id) => {
      window.location.hash = "#flow";
      this.flow.select(id, true);
    });
    lightPath(container, this.path, this.node);
  }

  enable(active) {
    this.$("call-start").disabled = active;
    this.$("call-end").disabled = !active;
    for (const id of ["call-silence", "say-words", "say-send", "say-speak"]) this.$(id).disabled = !active;
    for (const button of document.querySelectorAll(".keypad .key")) button.disabled = !active;
  }

  line(who, text, language) {
    this.$("transcript").append(el("li", { class: who, lang: language }, el("strong", {}, who === "service" ? "Service: " : "You: "), text));
  }

  async start() {
    this.$("transcript").replaceChildren();
    this.path = [];
    this.keys = "";
    this.$("keys-typed").textContent = "";
    const language = this.$("call-language").value;
    try {
      const turn = await api("/api/phone/calls", { method: "POST", body: { language } });
      this.call = turn.call;
      this.enable(true);
      say("The call is connected.");
      this.answered(turn);
    } catch (error) {
      say(`The call could not be placed: ${error.message}`);
    }
  }

  press(key) {
    if (!this.call || !this.waiting) return;
    this.keys += key;
    const secret = this.waiting.secret;
    this.$("keys-typed").textContent = `Keys: ${secret ? "•".repeat(this.keys.length) : this.keys}`;
    // A menu takes one key; an input ends at its finish key (or, without one, at its most digits).
    const finish = this.waiting.finish_key;
    if (this.waiting.input && finish && this.keys === finish) {
      this.keys = "";
      return; // the finish key alone says nothing
    }
    if (!this.waiting.input || key === finish || (!finish && this.keys.length >= this.waiting.max_digits)) {
      const keys = this.keys;
      this.keys = "";
      this.$("keys-typed").textContent = "";
      this.send({ keys }, `You pressed ${secret ? "•".repeat(keys.length) : keys}`);
    }
  }

  listen() {
    const recognition = new Recognition();
    recognition.lang = this.waiting?.recognizer ?? "en-US";
    recognition.onresult = (event) => {
      const words = event.results[0][0].transcript;
      this.send({ speech: words }, `You said: ${words}`);
    };
    recognition.onerror = (event) => say(`Speech was not heard: ${event.error}`);
    recognition.start();
    say("Listening…");
  }

  async send(answer, shown) {
    if (!this.call) return;
    this.line("caller", shown);
    try {
      this.answered(await api(`/api/phone/calls/${this.call}`, { method: "POST", body: answer }));
    } catch (error) {
      say(`The answer was not sent: ${error.message}`);
    }
  }

  answered(turn) {
    for (const item of turn.heard) this.line("service", item.text, item.language);
    this.path.push(...turn.path);
    this.node = turn.node;
    this.waiting = turn.waiting;
    lightPath(this.$("phone-drawing"), this.path, this.node);
    this.speak(turn.heard);
    this.$("transfer-ends").hidden = !turn.transferring;
    this.$("call-silence").disabled = Boolean(turn.transferring || turn.ended);
    if (turn.transferring) {
      this.line("service", `(transferring to ${turn.transferring.to})`);
      say("Transferring: choose how the transfer ends.");
    }
    if (turn.ended) {
      this.line("service", turn.ended.startsWith("transfer") ? `(transferred ${turn.ended.slice(9)})` : "(the service hung up)");
      this.finish();
    } else if (turn.waiting) {
      say(`Waiting at ${turn.node}: ${turn.waiting.input ? "enter digits" + (turn.waiting.finish_key ? `, then ${turn.waiting.finish_key}` : "") : "press a key"}${turn.waiting.speech ? " or say something" : " (keys only)"}.`);
      this.$("say-words").disabled = !turn.waiting.speech;
    }
  }

  // Recordings where built, the browser's speech synthesis for the rest, one after another.
  speak(heard) {
    if (!this.$("read-aloud").checked) return;
    for (const item of heard) {
      this.queue = this.queue.then(
        () =>
          new Promise((done) => {
            if (item.recording) {
              const audio = new Audio(item.recording);
              audio.onended = audio.onerror = done;
              audio.play().catch(done);
            } else if (window.speechSynthesis) {
              const utterance = new SpeechSynthesisUtterance(item.text);
              utterance.lang = item.speech_language;
              utterance.onend = utterance.onerror = done;
              window.speechSynthesis.speak(utterance);
              setTimeout(done, 200 + item.text.length * 90); // no voice installed: do not wait forever
            } else done();
          }),
      );
    }
  }

  async hangUp() {
    if (!this.call) return;
    try {
      await api(`/api/phone/calls/${this.call}`, { method: "DELETE" });
    } catch {
      // the call had already ended
    }
    this.line("caller", "(you hung up)");
    this.finish();
  }

  finish() {
    this.call = null;
    this.waiting = null;
    this.$("transfer-ends").hidden = true;
    this.enable(false);
    window.speechSynthesis?.cancel();
    say("The call has ended.");
  }
}
