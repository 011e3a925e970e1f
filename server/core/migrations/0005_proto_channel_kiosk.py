# Choices only (no SQL): channel "kiosk" marks a request a kiosk reported as unreadable (issue 10.1).
# Numbered 0005 so it does not collide with another branch's 0004; the lead merges the two leaves.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_receipt_unique_while_personal_data'),
    ]

    operations = [
        migrations.AlterField(
            model_name='request',
            name='channel',
            field=models.CharField(choices=[('touch', '触屏'), ('voice', '语音'), ('cadre', '干部代录'),
                                            ('kiosk', '终端报告')], default='touch', max_length=8),
        ),
    ]
