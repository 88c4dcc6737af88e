"""The one place that knows Twilio: ids and caller ids, request signatures, what a <Gather> posts, TwiML, Media Stream messages, and a simulator of Twilio's side for tools and tests."""
