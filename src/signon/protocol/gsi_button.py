"""The rendered button's options (GsiButtonConfiguration, spec 4.1) and its words, in English,
French, German and Spanish. Unknown values fall back to Google's defaults, as Google's do."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["LOCALES", "ButtonOptions", "button_label", "parse_button", "pick_locale", "prompt_text"]

_CHOICES: dict[str, tuple[str, ...]] = {
    "type": ("standard", "icon"),
    "theme": ("outline", "filled_blue", "filled_black"),
    "size": ("large", "medium", "small"),
    "text": ("signin_with", "signup_with", "continue_with", "signin"),
    "shape": ("rectangular", "pill", "circle", "square"),
    "logo_alignment": ("left", "center"),
}
MAX_WIDTH = 400

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "signin_with": "Sign in with signon",
        "signup_with": "Sign up with signon",
        "continue_with": "Continue with signon",
        "signin": "Sign in",
        "continue_as": "Continue as {name}",
        "prompt_signin": "Sign in to {site} with signon",
        "prompt_signup": "Sign up to {site} with signon",
        "prompt_use": "Use {site} with signon",
        "share": "To continue, signon will share your name, email address and profile "
        "picture with {app}.",
        "signing_in": "Signing you in…",
        "close": "Close",
    },
    "fr": {
        "signin_with": "Se connecter avec signon",
        "signup_with": "S'inscrire avec signon",
        "continue_with": "Continuer avec signon",
        "signin": "Se connecter",
        "continue_as": "Continuer en tant que {name}",
        "prompt_signin": "Connectez-vous à {site} avec signon",
        "prompt_signup": "Inscrivez-vous sur {site} avec signon",
        "prompt_use": "Utiliser {site} avec signon",
        "share": "Pour continuer, signon partagera votre nom, votre adresse e-mail et votre "
        "photo de profil avec {app}.",
        "signing_in": "Connexion…",
        "close": "Fermer",
    },
    "de": {
        "signin_with": "Mit signon anmelden",
        "signup_with": "Mit signon registrieren",
        "continue_with": "Weiter mit signon",
        "signin": "Anmelden",
        "continue_as": "Weiter als {name}",
        "prompt_signin": "Mit signon in {site} anmelden",
        "prompt_signup": "Mit signon bei {site} registrieren",
        "prompt_use": "{site} mit signon verwenden",
        "share": "Zum Fortfahren gibt signon deinen Namen, deine E-Mail-Adresse und dein "
        "Profilbild an {app} weiter.",
        "signing_in": "Anmeldung läuft…",
        "close": "Schließen",
    },
    "es": {
        "signin_with": "Iniciar sesión con signon",
        "signup_with": "Registrarse con signon",
        "continue_with": "Continuar con signon",
        "signin": "Iniciar sesión",
        "continue_as": "Continuar como {name}",
        "prompt_signin": "Inicia sesión en {site} con signon",
        "prompt_signup": "Regístrate en {site} con signon",
        "prompt_use": "Usa {site} con signon",
        "share": "Para continuar, signon compartirá tu nombre, dirección de correo "
        "electrónico y foto de perfil con {app}.",
        "signing_in": "Iniciando sesión…",
        "close": "Cerrar",
    },
}
LOCALES = tuple(_WORDS)


@dataclass(frozen=True, slots=True)
class ButtonOptions:
    type: str = "standard"
    theme: str = "outline"
    size: str = "large"
    text: str = "signin_with"
    shape: str = "rectangular"
    logo_alignment: str = "left"
    width: int | None = None

    @property
    def effective_shape(self) -> str:
        """spec 4.1: icon + rectangular is square, standard + circle is pill."""
        if self.type == "icon":
            return "circle" if self.shape in ("circle", "pill") else "square"
        return "pill" if self.shape in ("pill", "circle") else "rectangular"


def parse_button(params: Mapping[str, str]) -> ButtonOptions:
    values: dict[str, object] = {}
    for name, allowed in _CHOICES.items():
        value = (params.get(name) or "").strip().lower()
        if value in allowed:
            values[name] = value
    raw_width = (params.get("width") or "").strip().removesuffix("px")
    if raw_width.isascii() and raw_width.isdigit() and len(raw_width) < 6:
        values["width"] = min(int(raw_width), MAX_WIDTH)
    return ButtonOptions(**values)  # type: ignore[arg-type]


def pick_locale(*candidates: str | None) -> str:
    """The first supported language among `locale`, `hl` and Accept-Language entries."""
    for candidate in candidates:
        for part in (candidate or "").split(","):
            lang = part.split(";")[0].strip().replace("_", "-").split("-")[0].lower()
            if lang in _WORDS:
                return lang
    return "en"


def button_label(locale: str, text: str, given_name: str | None = None) -> str:
    words = _WORDS.get(locale, _WORDS["en"])
    if given_name:
        return words["continue_as"].format(name=given_name)
    return words.get(text, words["signin_with"])


def prompt_text(locale: str, key: str, **values: str) -> str:
    words = _WORDS.get(locale, _WORDS["en"])
    return words[key].format(**values)
