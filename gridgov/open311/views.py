from django.http import HttpResponse

from gridgov.core.access import public


@public
def discovery(request, fmt):
    return HttpResponse(status=503)


services = service_definition = requests = request_detail = not_found = discovery
