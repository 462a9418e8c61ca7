"""Staff sign-in: OpenID Connect (authorization code + PKCE), who may use the console, idle timeout."""
