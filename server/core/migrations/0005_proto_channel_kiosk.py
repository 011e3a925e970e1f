# Choices only (no SQL): channel "kiosk" marks a request a kiosk reported as unreadable (issue 10.1).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_kiosk_name_unique_per_post'),
    ]

    operations = [
        migrations.AlterField(
            model_name='request',
            name='channel',
            field=models.CharField(choices=[('touch', '触屏'), ('voice', '语音'), ('cadre', '干部代录'),
                                            ('kiosk', '终端报告')], default='touch', max_length=8),
        ),
    ]
