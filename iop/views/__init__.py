"""Browser pages. Thin: parse, call a service or selector, render.

Every page under /c/<slug>/ runs after ClinicMiddleware resolved the membership; each view
names the capability it needs (`clinic_page`), and a matrix test pins them.
"""
