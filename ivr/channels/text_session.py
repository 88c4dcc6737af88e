"""A text conversation (`ivr chat`, SMS): the text channel's events and replies around a Conversation."""

from __future__ import annotations

from dataclasses import dataclass

from ivr.channels.text import TextRenderer, TextReply, text_event
from ivr.engine import CallEnded
from ivr.flow.model import InputNode
from ivr.runtime.conversation import Caller, Conversation


@dataclass
class TextSession:
    conversation: Conversation
    caller: Caller
    tty: bool = True

    def start(self, language: str | None = None) -> TextReply:
        turn = self.conversation.start(self.caller, language)
        return TextRenderer(self.conversation.flow_of(turn.state), self.tty).render(turn)

    def reply(self, line: str) -> TextReply:
        """The answer to one line the caller typed; a session with no state starts again from the top."""
        event = text_event(line)
        if isinstance(event, CallEnded):
            self.conversation.end(self.caller.call_id)
            return TextReply(("SK",) if self.tty else (), ended=True)
        turn = self.conversation.answer(self.caller, event)
        reply = TextRenderer(self.conversation.flow_of(turn.state), self.tty).render(turn)
        if reply.ended:
            self.conversation.end(self.caller.call_id)
        return reply

    def active(self) -> bool:
        return self.conversation.current(self.caller.call_id) is not None

    def expects_secret(self) -> bool:
        """Whether the next line is a PIN or an ID: never to be echoed or shown."""
        state = self.conversation.current(self.caller.call_id)
        if state is None:
            return False
        node = self.conversation.flow_of(state).nodes.get(state.node)
        return isinstance(node, InputNode) and node.secret
