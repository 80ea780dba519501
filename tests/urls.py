"""Every URL pattern of the project, discovered from the URLconf."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    pattern: str
    converters: tuple[str, ...]


def all_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns, prefix: str, namespace: str | None, converters: tuple[str, ...]):
        for entry in patterns:
            names = getattr(entry.pattern, "converters", {}) or entry.pattern.regex.groupindex
            entry_converters = converters + tuple(names.keys())
            if isinstance(entry, URLResolver):
                ns = entry.namespace
                full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
                walk(entry.url_patterns, prefix + str(entry.pattern), full_ns, entry_converters)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace else str(entry.name)
                routes.append(Route(name, prefix + str(entry.pattern), entry_converters))

    walk(get_resolver().url_patterns, "", None, ())
    return routes
