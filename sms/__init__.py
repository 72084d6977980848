"""Text messages (短信) of the whole portal: the vote's codes, password resets, registration.

Every message is a row (`SmsMessage`) sent by a Celery task on a queue of its own through the
gateway named by settings.SMS_GATEWAY (Aliyun, Tencent Cloud, or the console in development),
retried with backoff while the provider is unreachable, under a daily cap per number and a
global daily budget. It sits under the other apps: review and accounts import it, it imports
neither.
"""
