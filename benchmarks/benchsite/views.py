import json

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .models import RawDelivery


@csrf_exempt
def bare_webhook(request):
    """The baseline: parse the same JSON body and insert one row."""
    body = json.loads(request.body)
    RawDelivery.objects.create(body=request.body.decode())
    return JsonResponse({"status": "received", "order_id": body.get("order_id")})
